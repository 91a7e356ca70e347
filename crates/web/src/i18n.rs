//! Every label of the UI in English and Simplified Chinese: a compile-time table keyed by
//! language. The language comes from `?lang=`, else the `lang` cookie, else `Accept-Language`.

use axum::http::HeaderMap;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The BCP 47 tag (`en`, `zh-CN`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// The short code used in `?lang=` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The labels.
    pub fn msg(self) -> &'static Msg {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else if s == "zh" || s.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// The language of a request: `?lang=` first, then the `lang` cookie, then the first
    /// `Accept-Language` entry annals speaks; English otherwise.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(l) = query.and_then(Lang::parse) {
            return l;
        }
        for cookie in headers.get_all(axum::http::header::COOKIE) {
            let Ok(text) = cookie.to_str() else { continue };
            for part in text.split(';') {
                if let Some((k, v)) = part.trim().split_once('=')
                    && k == "lang"
                    && let Some(l) = Lang::parse(v)
                {
                    return l;
                }
            }
        }
        if let Some(al) = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        {
            for part in al.split(',') {
                let tag = part.split(';').next().unwrap_or("");
                if let Some(l) = Lang::parse(tag) {
                    return l;
                }
            }
        }
        Lang::En
    }
}

/// The labels of one language.
#[derive(Debug)]
pub struct Msg {
    pub app: &'static str,
    pub overview: &'static str,
    pub search: &'static str,
    pub trends: &'static str,
    pub deletions: &'static str,
    pub watch: &'static str,
    pub language: &'static str,
    pub watchlists: &'static str,
    pub list: &'static str,
    pub state: &'static str,
    pub items: &'static str,
    pub total: &'static str,
    pub new_state: &'static str,
    pub newest_disappearances: &'static str,
    pub item: &'static str,
    pub last_seen_live: &'static str,
    pub first_seen_gone: &'static str,
    pub reason: &'static str,
    pub observer_health: &'static str,
    pub queue_depth: &'static str,
    pub due_now: &'static str,
    pub claimed: &'static str,
    pub requests_per_min: &'static str,
    pub blocked_hosts: &'static str,
    pub blocked_until: &'static str,
    pub none: &'static str,
    pub ledger: &'static str,
    pub ledger_size: &'static str,
    pub ledger_root: &'static str,
    pub latest_checkpoint: &'static str,
    pub no_checkpoint: &'static str,
    pub records: &'static str,
    pub all_items: &'static str,
    pub platform: &'static str,
    pub kind: &'static str,
    pub observations: &'static str,
    pub next_due: &'static str,
    pub paused: &'static str,
    pub pause: &'static str,
    pub resume: &'static str,
    pub added: &'static str,
    pub policy: &'static str,
    pub metadata: &'static str,
    pub events: &'static str,
    pub event: &'static str,
    pub time: &'static str,
    pub metrics: &'static str,
    pub no_metrics: &'static str,
    pub versions: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    pub author: &'static str,
    pub published: &'static str,
    pub first_seen: &'static str,
    pub diff_previous: &'static str,
    pub unchanged: &'static str,
    pub captures: &'static str,
    pub record: &'static str,
    pub http_status: &'static str,
    pub view_capture: &'static str,
    pub downloads: &'static str,
    pub download_warc: &'static str,
    pub download_proof: &'static str,
    pub no_wacz: &'static str,
    pub no_proof: &'static str,
    pub captured_page: &'static str,
    pub captured_warning: &'static str,
    pub raw_response: &'static str,
    pub query: &'static str,
    pub any: &'static str,
    pub since: &'static str,
    pub until: &'static str,
    pub go: &'static str,
    pub results: &'static str,
    pub no_results: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub gone_since: &'static str,
    pub terms: &'static str,
    pub trend_help: &'static str,
    pub items_per_day: &'static str,
    pub survival: &'static str,
    pub latency: &'static str,
    pub per_term: &'static str,
    pub report_empty: &'static str,
    pub add_items: &'static str,
    pub urls_one_per_line: &'static str,
    pub as_seeds: &'static str,
    pub add: &'static str,
    pub watch_result: &'static str,
    pub error: &'static str,
    pub not_found: &'static str,
    pub server_error: &'static str,
    pub bad_request: &'static str,
    pub read_only: &'static str,
    pub logout: &'static str,
    pub local_time_hint: &'static str,
    pub platform_time: &'static str,
}

/// English.
pub static EN: Msg = Msg {
    app: "annals",
    overview: "Overview",
    search: "Search",
    trends: "Trends",
    deletions: "Deletions",
    watch: "Watch",
    language: "Language",
    watchlists: "Watchlists",
    list: "List",
    state: "State",
    items: "Items",
    total: "Total",
    new_state: "not yet observed",
    newest_disappearances: "Newest disappearances",
    item: "Item",
    last_seen_live: "Last seen live",
    first_seen_gone: "First seen gone",
    reason: "Reason",
    observer_health: "Observer health",
    queue_depth: "Queue depth (items watched)",
    due_now: "Due now",
    claimed: "Being observed",
    requests_per_min: "Observations per minute (last 10 min)",
    blocked_hosts: "Blocked hosts",
    blocked_until: "blocked until",
    none: "none",
    ledger: "Ledger",
    ledger_size: "Records in the log",
    ledger_root: "Root hash",
    latest_checkpoint: "Latest signed checkpoint",
    no_checkpoint: "no checkpoint signed yet",
    records: "records",
    all_items: "Items",
    platform: "Platform",
    kind: "Kind",
    observations: "Observations",
    next_due: "Next due",
    paused: "paused",
    pause: "Pause",
    resume: "Resume",
    added: "Added",
    policy: "Policy",
    metadata: "Metadata",
    events: "Events",
    event: "Event",
    time: "Time",
    metrics: "Metrics over time",
    no_metrics: "No metrics observed.",
    versions: "Content versions",
    version: "Version",
    title: "Title",
    author: "Author",
    published: "Published",
    first_seen: "First seen",
    diff_previous: "Changes from the previous version",
    unchanged: "(text unchanged; other fields differ)",
    captures: "Captures",
    record: "Record",
    http_status: "HTTP status",
    view_capture: "view",
    downloads: "Downloads",
    download_warc: "WARC records of this item",
    download_proof: "Proof bundle (latest capture)",
    no_wacz: "A WACZ of one item is not available yet: export the whole list with `annals export wacz --list`.",
    no_proof: "No proof bundle: no ledger checkpoint has been signed yet.",
    captured_page: "Captured page",
    captured_warning: "Archived content is shown in a sandbox: scripts do not run and it cannot reach this site.",
    raw_response: "Raw response",
    query: "Query",
    any: "any",
    since: "Since",
    until: "Until",
    go: "Search",
    results: "matching versions",
    no_results: "Nothing matches.",
    previous: "Previous",
    next: "Next",
    page: "Page",
    gone_since: "gone since",
    terms: "Terms (one per line)",
    trend_help: "Items per day whose text matches each term.",
    items_per_day: "items per day",
    survival: "Survival (Kaplan–Meier, hours)",
    latency: "Time to disappearance (hours, log bins)",
    per_term: "Per-term table",
    report_empty: "Not enough observed items for a report.",
    add_items: "Add items to watch",
    urls_one_per_line: "URLs or ids, one per line",
    as_seeds: "as seeds (watch their children)",
    add: "Add",
    watch_result: "Result",
    error: "Error",
    not_found: "Not found.",
    server_error: "Something went wrong on the server; the details are in its log.",
    bad_request: "The request is not valid",
    read_only: "This archive is published read-only.",
    logout: "Log out",
    local_time_hint: "Times are shown in your time zone; hover for the platform's.",
    platform_time: "platform time",
};

/// Simplified Chinese.
pub static ZH: Msg = Msg {
    app: "annals 存档",
    overview: "概览",
    search: "搜索",
    trends: "趋势",
    deletions: "删除报告",
    watch: "关注",
    language: "语言",
    watchlists: "关注列表",
    list: "列表",
    state: "状态",
    items: "条目",
    total: "合计",
    new_state: "尚未观测",
    newest_disappearances: "最新消失",
    item: "条目",
    last_seen_live: "最后一次在线",
    first_seen_gone: "首次发现消失",
    reason: "原因",
    observer_health: "观测器状态",
    queue_depth: "队列长度（关注条目数）",
    due_now: "待观测",
    claimed: "正在观测",
    requests_per_min: "每分钟观测数（最近 10 分钟）",
    blocked_hosts: "被封锁的主机",
    blocked_until: "封锁至",
    none: "无",
    ledger: "账本",
    ledger_size: "日志记录数",
    ledger_root: "根哈希",
    latest_checkpoint: "最新签名检查点",
    no_checkpoint: "尚未签署检查点",
    records: "条记录",
    all_items: "条目",
    platform: "平台",
    kind: "类型",
    observations: "观测次数",
    next_due: "下次观测",
    paused: "已暂停",
    pause: "暂停",
    resume: "恢复",
    added: "添加时间",
    policy: "策略",
    metadata: "元数据",
    events: "事件",
    event: "事件",
    time: "时间",
    metrics: "指标随时间变化",
    no_metrics: "没有观测到指标。",
    versions: "内容版本",
    version: "版本",
    title: "标题",
    author: "作者",
    published: "发布时间",
    first_seen: "首次发现",
    diff_previous: "与上一版本的差异",
    unchanged: "（正文未变，其他字段有变化）",
    captures: "抓取记录",
    record: "记录",
    http_status: "HTTP 状态",
    view_capture: "查看",
    downloads: "下载",
    download_warc: "此条目的 WARC 记录",
    download_proof: "证明包（最新抓取）",
    no_wacz: "暂不支持单个条目的 WACZ：请用 `annals export wacz --list` 导出整个列表。",
    no_proof: "无法生成证明包：账本尚未签署检查点。",
    captured_page: "存档页面",
    captured_warning: "存档内容在沙箱中显示：脚本不会运行，也无法访问本站。",
    raw_response: "原始响应",
    query: "查询",
    any: "全部",
    since: "起始",
    until: "截止",
    go: "搜索",
    results: "个匹配版本",
    no_results: "没有匹配结果。",
    previous: "上一页",
    next: "下一页",
    page: "页",
    gone_since: "消失于",
    terms: "关键词（每行一个）",
    trend_help: "每天正文匹配各关键词的条目数。",
    items_per_day: "每日条目数",
    survival: "存活曲线（Kaplan–Meier，小时）",
    latency: "消失前存活时间（小时，对数分箱）",
    per_term: "关键词统计表",
    report_empty: "已观测的条目不足，无法生成报告。",
    add_items: "添加关注条目",
    urls_one_per_line: "网址或 ID，每行一个",
    as_seeds: "作为种子（关注其子条目）",
    add: "添加",
    watch_result: "结果",
    error: "错误",
    not_found: "未找到。",
    server_error: "服务器出错；详情见服务器日志。",
    bad_request: "请求无效",
    read_only: "此存档以只读方式发布。",
    logout: "退出登录",
    local_time_hint: "时间按您的时区显示；悬停可查看平台时间。",
    platform_time: "平台时间",
};
