//! Deterministic generation of realistic HTTP exchanges (Bilibili/Zhihu-like pages, JSON APIs,
//! JPEG images) for `annals bench warc`. Everything comes from one seeded xorshift generator, so
//! a given seed and record count always produce the same bytes.

use std::fmt::Write as _;
use std::io::Write as _;

use annals_warc::WarcDate;

/// xorshift64* — small, fast, good enough for test data (not for anything secret).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng((seed ^ 0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi - lo + 1) as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniformly chosen element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An element chosen with a skew towards the front (word frequencies are not uniform).
    pub fn pick_skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let n = items.len() as u64;
        let i = self.below(n).min(self.below(n)).min(self.below(n));
        &items[i as usize]
    }

    /// `n` random lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n)
            .map(|_| char::from(HEX[self.below(16) as usize]))
            .collect()
    }

    /// `n` random characters of Bilibili's BV alphabet (base58).
    pub fn base58(&mut self, n: usize) -> String {
        const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        (0..n).map(|_| char::from(*self.pick(B58))).collect()
    }

    /// Appends `n` random bytes (incompressible, like JPEG data).
    pub fn extend_random(&mut self, out: &mut Vec<u8>, n: usize) {
        out.reserve(n);
        let mut left = n;
        while left >= 8 {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
            left -= 8;
        }
        let last = self.next_u64().to_le_bytes();
        out.extend_from_slice(&last[..left]);
    }
}

/// One HTTP exchange, ready to become a `response` + `request` record pair.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Target URI of both records.
    pub url: String,
    /// Capture time (shared by both records).
    pub date: WarcDate,
    /// `urn:uuid:…` of the response record.
    pub response_id: String,
    /// `urn:uuid:…` of the request record.
    pub request_id: String,
    /// The HTTP response message (head and body as transferred).
    pub response: Vec<u8>,
    /// The HTTP request message.
    pub request: Vec<u8>,
}

const KEYWORDS: &[&str] = &[
    "原神",
    "量子力学",
    "考研",
    "程序员",
    "人工智能",
    "猫咪",
    "高考作文",
    "深圳房价",
    "王者荣耀",
    "留学",
    "数码评测",
    "新能源汽车",
    "如何评价",
    "鬼畜",
];

const PHRASES: &[&str] = &[
    "的",
    "我们",
    "这个",
    "视频",
    "真的",
    "感觉",
    "其实",
    "问题",
    "因为",
    "所以",
    "大家",
    "一下",
    "时候",
    "已经",
    "没有",
    "可以",
    "哈哈哈",
    "up主",
    "弹幕",
    "三连",
    "投币",
    "收藏",
    "关注",
    "回答",
    "知乎",
    "谢邀",
    "利益相关",
    "先说结论",
    "以下是",
    "个人观点",
    "经济",
    "学习",
    "工作",
    "中国",
    "城市",
    "游戏",
    "音乐",
    "动画",
    "科技",
    "生活",
    "the",
    "video",
    "AI",
    "2024",
    "GPT",
    "bug",
    "，",
    "。",
    "！",
    "？",
    "……",
];

const NAMES: &[&str] = &[
    "老番茄",
    "何同学",
    "罗翔说刑法",
    "影视飓风",
    "半佛仙人",
    "张佳玮",
    "马前卒",
    "匿名用户",
    "知乎用户",
    "bilibili_fan_2233",
    "量子位",
    "差评君",
];

const UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 BiliApp/7.66.0",
];

/// Percent-encodes every byte that is not an unreserved ASCII character (UTF-8, uppercase hex).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The IMF-fixdate of an HTTP `Date` header.
pub fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Html,
    Json,
    Image,
}

/// Produces exchanges one after another, deterministically.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: Rng,
    clock_micros: i64,
}

impl Generator {
    /// A generator seeded with `seed`; captures start on 2024-03-01.
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng::new(seed),
            clock_micros: 1_709_251_200_000_000,
        }
    }

    fn uuid(&mut self) -> String {
        let h = self.rng.hex(32);
        format!(
            "urn:uuid:{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s = String::new();
        for _ in 0..words {
            let w = *self.rng.pick_skewed(PHRASES);
            s.push_str(w);
        }
        s
    }

    /// The next exchange: ~47 % HTML, ~42 % JSON, ~11 % images.
    pub fn next_exchange(&mut self) -> Exchange {
        self.clock_micros += 1_000 + self.rng.below(2_000_000) as i64;
        let date = WarcDate::from_unix(
            self.clock_micros.div_euclid(1_000_000),
            (self.clock_micros.rem_euclid(1_000_000) * 1_000) as u32,
        );
        let roll = self.rng.below(100);
        let kind = if roll < 47 {
            Kind::Html
        } else if roll < 89 {
            Kind::Json
        } else {
            Kind::Image
        };
        let (url, method_post) = self.url(kind);
        let (response, request) = self.messages(kind, &url, method_post, date.unix);
        Exchange {
            url,
            date,
            response_id: self.uuid(),
            request_id: self.uuid(),
            response,
            request,
        }
    }

    fn url(&mut self, kind: Kind) -> (String, bool) {
        let r = &mut self.rng;
        let keyword = *r.pick(KEYWORDS);
        let kw = percent_encode(keyword);
        let url = match kind {
            Kind::Html => match r.below(6) {
                0 => format!("https://www.bilibili.com/video/BV1{}/", r.base58(9)),
                1 => format!(
                    "https://www.zhihu.com/question/{}",
                    10_000_000 + r.below(600_000_000)
                ),
                2 => format!(
                    "https://www.zhihu.com/question/{}/answer/{}",
                    10_000_000 + r.below(600_000_000),
                    100_000_000 + r.below(3_000_000_000)
                ),
                3 => format!(
                    "https://search.bilibili.com/all?keyword={kw}&from_source=webtop_search&spm_id_from=333.1007"
                ),
                4 => format!("https://www.zhihu.com/search?type=content&q={kw}"),
                _ => format!(
                    "https://tieba.baidu.com/p/{}?pn={}",
                    8_000_000_000 + r.below(900_000_000),
                    1 + r.below(20)
                ),
            },
            Kind::Json => match r.below(6) {
                0 => format!(
                    "https://api.bilibili.com/x/web-interface/view?bvid=BV1{}",
                    r.base58(9)
                ),
                1 => format!(
                    "https://api.bilibili.com/x/v2/reply/main?oid={}&type=1&mode=3&next={}",
                    100_000_000 + r.below(900_000_000),
                    r.below(30)
                ),
                2 => format!(
                    "https://www.zhihu.com/api/v4/questions/{}/feeds?cursor={}&include=data%5B%2A%5D.is_normal%2Ccontent&limit=5&offset={}&order=default",
                    10_000_000 + r.below(600_000_000),
                    r.hex(32),
                    5 * r.below(40)
                ),
                3 => format!(
                    "https://api.bilibili.com/x/web-interface/search/type?search_type=video&keyword={kw}&page={}",
                    1 + r.below(10)
                ),
                4 => format!(
                    "https://www.zhihu.com/api/v4/search_v3?t=general&q={kw}&correction=1&offset=0&limit=20"
                ),
                _ => {
                    return (
                        "https://api.bilibili.com/x/click-interface/web/heartbeat".to_string(),
                        true,
                    );
                }
            },
            Kind::Image => match r.below(2) {
                0 => format!("https://i0.hdslb.com/bfs/archive/{}.jpg", r.hex(40)),
                _ => format!(
                    "https://pic{}.zhimg.com/v2-{}_720w.jpg?source=1940ef5c",
                    1 + r.below(4),
                    r.hex(32)
                ),
            },
        };
        (url, false)
    }

    fn html_body(&mut self, target: usize, title: &str) -> Vec<u8> {
        let mut s = String::with_capacity(target + 1024);
        let _ = write!(
            s,
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>{title}_哔哩哔哩_bilibili</title>\n\
<meta name=\"keywords\" content=\"{title},B站,弹幕,视频,动画,游戏\">\n\
<link rel=\"stylesheet\" href=\"//s1.hdslb.com/bfs/static/jinkela/video/css/video.0.{}.css\">\n\
<script src=\"//s1.hdslb.com/bfs/static/jinkela/long/js/jquery/jquery1.7.2.min.js\"></script>\n\
</head><body><div id=\"app\"><div class=\"bili-header\"><ul class=\"left-entry\"><li><a href=\"//www.bilibili.com\">首页</a></li>\
<li><a href=\"//www.bilibili.com/anime/\">番剧</a></li><li><a href=\"//live.bilibili.com\">直播</a></li>\
<li><a href=\"//game.bilibili.com/platform\">游戏中心</a></li></ul></div>\n<div class=\"feed\">\n",
            self.rng.hex(8)
        );
        while s.len() < target {
            let words = self.rng.range(6, 30);
            let desc = self.sentence(words);
            let t = self.sentence(4);
            let _ = write!(
                s,
                "<div class=\"bili-video-card\" data-aid=\"{}\"><a href=\"//www.bilibili.com/video/BV1{}/\" target=\"_blank\" title=\"{t}\">\
<img class=\"cover\" src=\"//i0.hdslb.com/bfs/archive/{}.jpg@672w_378h_1c\" alt=\"{t}\"></a>\
<p class=\"desc\">{desc}</p><div class=\"stats\"><span>{}.{}万播放</span> · <span>{}弹幕</span> · \
<span class=\"author\">{}</span></div></div>",
                self.rng.below(1_000_000_000),
                self.rng.base58(9),
                self.rng.hex(40),
                self.rng.below(999),
                self.rng.below(10),
                self.rng.below(20_000),
                self.rng.pick(NAMES),
            );
            s.push('\n');
        }
        s.push_str("</div></div><script>window.__INITIAL_STATE__={\"isLogin\":false};</script></body></html>\n");
        s.into_bytes()
    }

    fn json_body(&mut self, target: usize, zhihu: bool) -> Vec<u8> {
        let mut s = String::with_capacity(target + 1024);
        if zhihu {
            s.push_str("{\"data\":[");
        } else {
            let _ = write!(
                s,
                "{{\"code\":0,\"message\":\"0\",\"ttl\":1,\"data\":{{\"cursor\":{{\"is_begin\":true,\"prev\":1,\"next\":2,\"all_count\":{}}},\"replies\":[",
                self.rng.below(100_000)
            );
        }
        let mut first = true;
        while s.len() < target {
            if !first {
                s.push(',');
            }
            first = false;
            let words = self.rng.range(8, 60);
            let text = self.sentence(words);
            if zhihu {
                let _ = write!(
                    s,
                    "{{\"type\":\"answer\",\"id\":\"{}\",\"author\":{{\"name\":\"{}\",\"url_token\":\"{}\",\"avatar_url\":\"https://picx.zhimg.com/v2-{}_l.jpg\",\"headline\":\"{}\"}},\"excerpt\":\"{}\",\"voteup_count\":{},\"comment_count\":{},\"created_time\":{}}}",
                    100_000_000 + self.rng.below(3_000_000_000),
                    self.rng.pick(NAMES),
                    self.rng.hex(12),
                    self.rng.hex(32),
                    self.sentence(3),
                    text,
                    self.rng.below(50_000),
                    self.rng.below(3_000),
                    1_600_000_000 + self.rng.below(100_000_000)
                );
            } else {
                let _ = write!(
                    s,
                    "{{\"rpid\":{},\"oid\":{},\"type\":1,\"mid\":{},\"ctime\":{},\"like\":{},\"member\":{{\"uname\":\"{}\",\"avatar\":\"https://i1.hdslb.com/bface/{}.jpg\",\"level_info\":{{\"current_level\":{}}},\"vip\":{{\"vipType\":{}}}}},\"content\":{{\"message\":\"{}\"}}}}",
                    self.rng.below(300_000_000_000),
                    self.rng.below(1_000_000_000),
                    self.rng.below(3_000_000_000),
                    1_700_000_000 + self.rng.below(10_000_000),
                    self.rng.below(10_000),
                    self.rng.pick(NAMES),
                    self.rng.hex(40),
                    self.rng.below(7),
                    self.rng.below(3),
                    text
                );
            }
        }
        if zhihu {
            let _ = write!(
                s,
                "],\"paging\":{{\"is_end\":false,\"next\":\"https://www.zhihu.com/api/v4/questions/{}/feeds?cursor={}&offset=5\"}}}}",
                self.rng.below(600_000_000),
                self.rng.hex(32)
            );
        } else {
            s.push_str("]}}");
        }
        s.into_bytes()
    }

    fn messages(&mut self, kind: Kind, url: &str, post: bool, unix: i64) -> (Vec<u8>, Vec<u8>) {
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let zhihu = host.contains("zhihu") || host.contains("zhimg");
        let status_roll = self.rng.below(100);
        let (status, reason) = if kind == Kind::Image || post || status_roll < 92 {
            (200, "OK")
        } else if status_roll < 96 {
            (404, "Not Found")
        } else {
            (302, "Found")
        };
        let mut body = match (kind, status) {
            (_, 302) => b"<html><body>Redirecting</body></html>".to_vec(),
            (_, 404) => format!(
                "<!DOCTYPE html><html><head><title>出错啦! - bilibili.com</title></head><body><div class=\"error-text\">啊叻？视频不见了？</div><!-- {} --></body></html>",
                self.rng.hex(16)
            )
            .into_bytes(),
            (Kind::Html, _) => {
                let target = self.rng.range(5_000, 60_000);
                let title = self.sentence(3);
                self.html_body(target, &title)
            }
            (Kind::Json, _) if post => format!(
                "{{\"code\":0,\"message\":\"0\",\"ttl\":1,\"data\":{{\"ts\":{unix}}}}}"
            )
            .into_bytes(),
            (Kind::Json, _) => {
                let target = self.rng.range(1_000, 20_000);
                self.json_body(target, zhihu)
            }
            (Kind::Image, _) => {
                let n = self.rng.range(5_000, 100_000);
                let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0];
                self.rng.extend_random(&mut b, n);
                b.extend_from_slice(&[0xFF, 0xD9]);
                b
            }
        };
        let content_type = match (kind, status) {
            (Kind::Image, _) => "image/jpeg",
            (Kind::Json, 200) => "application/json; charset=utf-8",
            _ => "text/html; charset=utf-8",
        };
        let gzipped = kind != Kind::Image && body.len() > 1_000 && self.rng.chance(30);
        if gzipped {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            let _ = enc.write_all(&body);
            body = enc.finish().unwrap_or_default();
        }

        let mut resp = format!(
            "HTTP/1.1 {status} {reason}\r\nDate: {}\r\n",
            http_date(unix)
        );
        let _ = write!(
            resp,
            "Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n",
            body.len()
        );
        if zhihu {
            let _ = write!(
                resp,
                "Server: CLOUD ELB 1.0.0\r\nX-Backend-Response: 0.{:03}\r\nX-Secng-Response: 0.{:03}\r\nX-Udid: {}\r\n",
                self.rng.below(1000),
                self.rng.below(1000),
                self.rng.hex(24)
            );
        } else {
            let _ = write!(
                resp,
                "Server: {}\r\nBili-Trace-Id: {}\r\nX-Cache-Webcdn: {} from blzone{:02}\r\n",
                if kind == Kind::Image {
                    "Tengine"
                } else {
                    "openresty"
                },
                self.rng.hex(20),
                if self.rng.chance(50) { "HIT" } else { "BYPASS" },
                self.rng.below(12)
            );
        }
        match kind {
            Kind::Image => {
                let _ = write!(
                    resp,
                    "Accept-Ranges: bytes\r\nCache-Control: max-age=31536000\r\nETag: \"{}\"\r\nLast-Modified: {}\r\nAge: {}\r\n",
                    self.rng.hex(32),
                    http_date(unix - 3_000_000 - self.rng.below(90_000_000) as i64),
                    self.rng.below(8_000_000)
                );
            }
            _ => {
                resp.push_str("Cache-Control: no-cache\r\nVary: Origin,Accept-Encoding\r\n");
                if self.rng.chance(20) {
                    let _ = write!(
                        resp,
                        "Set-Cookie: buvid3={}-{}infoc; path=/; expires={}; domain=.bilibili.com\r\n",
                        self.rng.hex(32).to_uppercase(),
                        self.rng.below(100_000),
                        http_date(unix + 31_536_000)
                    );
                }
            }
        }
        if status == 302 {
            let _ = writeln!(
                resp,
                "Location: https://passport.bilibili.com/login?gourl={}\r",
                percent_encode(url)
            );
        }
        if gzipped {
            resp.push_str("Content-Encoding: gzip\r\n");
        }
        resp.push_str("\r\n");
        let mut response = resp.into_bytes();
        response.extend_from_slice(&body);

        let referer = if zhihu {
            "https://www.zhihu.com/"
        } else {
            "https://www.bilibili.com/"
        };
        let accept = match kind {
            Kind::Html => {
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
            }
            Kind::Json => "application/json, text/plain, */*",
            Kind::Image => "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        };
        let ua = *self.rng.pick(UAS);
        let mut req = format!(
            "{} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\nAccept: {accept}\r\nAccept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: {referer}\r\nConnection: keep-alive\r\n",
            if post { "POST" } else { "GET" }
        );
        let form = if post {
            format!(
                "aid={}&cid={}&bvid=BV1{}&played_time={}&realtime={}&type=3&dt=2&play_type=0&csrf={}",
                self.rng.below(1_000_000_000),
                self.rng.below(2_000_000_000),
                self.rng.base58(9),
                self.rng.below(3_000),
                self.rng.below(3_000),
                self.rng.hex(32)
            )
        } else {
            String::new()
        };
        if post {
            let _ = write!(
                req,
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nOrigin: https://www.bilibili.com\r\n",
                form.len()
            );
        }
        req.push_str("\r\n");
        req.push_str(&form);
        (response, req.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let mut a = Generator::new(7);
        let mut b = Generator::new(7);
        for _ in 0..200 {
            let x = a.next_exchange();
            let y = b.next_exchange();
            assert_eq!(x.response, y.response);
            assert_eq!(x.url, y.url);
            assert!(x.response.starts_with(b"HTTP/1.1 "));
            assert!(annals_warc::http::parse_head(&x.response).is_some());
            assert!(annals_warc::http::parse_head(&x.request).is_some());
        }
    }

    #[test]
    fn dates_and_encoding() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_709_251_200), "Fri, 01 Mar 2024 00:00:00 GMT");
        assert_eq!(percent_encode("原神"), "%E5%8E%9F%E7%A5%9E");
    }
}
