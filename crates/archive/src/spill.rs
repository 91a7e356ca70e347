//! Sorting more than memory holds: byte strings sorted in bounded runs spilled to temporary
//! files, then merged. What a `--since` or `--list` WACZ export sorts its index lines and its
//! ledger leaves' locations with.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Bytes of keys held before a run is sorted and spilled: small, so an export's peak memory
/// is reached early (a 160,000-record index is about 30 runs, merged through 32 KB buffers).
pub(crate) const RUN_BYTES: usize = 2 << 20;

/// An external sort of byte strings (any bytes: each is stored with its length).
pub(crate) struct ExternalSort {
    /// Runs are `<stem>.run<N>`.
    stem: PathBuf,
    run_bytes: usize,
    held: Vec<Vec<u8>>,
    held_bytes: usize,
    runs: Vec<PathBuf>,
    dedup: bool,
}

impl ExternalSort {
    /// A sort whose runs are written next to `stem` (`<stem>.run0`, …); `dedup` drops repeated
    /// keys.
    pub(crate) fn new(stem: &Path, run_bytes: usize, dedup: bool) -> ExternalSort {
        ExternalSort {
            stem: stem.to_path_buf(),
            run_bytes: run_bytes.max(1),
            held: Vec::new(),
            held_bytes: 0,
            runs: Vec::new(),
            dedup,
        }
    }

    /// Adds a key.
    pub(crate) fn push(&mut self, key: Vec<u8>) -> io::Result<()> {
        // A Vec's own size counts too: small keys are mostly overhead.
        self.held_bytes += key.len() + 24;
        self.held.push(key);
        if self.held_bytes >= self.run_bytes {
            self.spill()?;
        }
        Ok(())
    }

    fn sort_held(&mut self) {
        self.held.sort_unstable();
        if self.dedup {
            self.held.dedup();
        }
    }

    fn spill(&mut self) -> io::Result<()> {
        self.sort_held();
        let mut name = self.stem.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".run{}", self.runs.len()));
        let path = self.stem.with_file_name(name);
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&path)?);
        self.runs.push(path);
        for key in self.held.drain(..) {
            let len = u32::try_from(key.len())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "key over 4 GB"))?;
            out.write_all(&len.to_le_bytes())?;
            out.write_all(&key)?;
        }
        out.flush()?;
        self.held = Vec::new();
        self.held_bytes = 0;
        Ok(())
    }

    /// The keys in byte order.
    pub(crate) fn finish(mut self) -> io::Result<Sorted> {
        if self.runs.is_empty() {
            self.sort_held();
            let held = std::mem::take(&mut self.held);
            return Ok(Sorted {
                source: Source::Memory(held.into_iter()),
                runs: Vec::new(),
                dedup: self.dedup,
                last: None,
            });
        }
        if !self.held.is_empty() {
            self.spill()?;
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (i, path) in self.runs.iter().enumerate() {
            let mut r = BufReader::with_capacity(1 << 15, File::open(path)?);
            if let Some(key) = read_key(&mut r)? {
                heap.push(Reverse((key, i)));
            }
            readers.push(r);
        }
        Ok(Sorted {
            source: Source::Runs { readers, heap },
            runs: std::mem::take(&mut self.runs),
            dedup: self.dedup,
            last: None,
        })
    }
}

impl Drop for ExternalSort {
    fn drop(&mut self) {
        for run in &self.runs {
            let _ = fs::remove_file(run);
        }
    }
}

fn read_key(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut key = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut key)?;
    Ok(Some(key))
}

enum Source {
    Memory(std::vec::IntoIter<Vec<u8>>),
    Runs {
        readers: Vec<BufReader<File>>,
        heap: BinaryHeap<Reverse<(Vec<u8>, usize)>>,
    },
}

/// The sorted keys, read back run by run (the runs are deleted when dropped).
pub(crate) struct Sorted {
    source: Source,
    runs: Vec<PathBuf>,
    dedup: bool,
    last: Option<Vec<u8>>,
}

impl Sorted {
    fn next_raw(&mut self) -> io::Result<Option<Vec<u8>>> {
        match &mut self.source {
            Source::Memory(keys) => Ok(keys.next()),
            Source::Runs { readers, heap } => {
                let Some(Reverse((key, i))) = heap.pop() else {
                    return Ok(None);
                };
                if let Some(next) = read_key(&mut readers[i])? {
                    heap.push(Reverse((next, i)));
                }
                Ok(Some(key))
            }
        }
    }
}

impl Iterator for Sorted {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        loop {
            let key = match self.next_raw() {
                Ok(Some(key)) => key,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            if self.dedup && matches!(&self.source, Source::Runs { .. }) {
                if self.last.as_ref() == Some(&key) {
                    continue;
                }
                self.last = Some(key.clone());
            }
            return Some(Ok(key));
        }
    }
}

impl Drop for Sorted {
    fn drop(&mut self) {
        for run in &self.runs {
            let _ = fs::remove_file(run);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(keys: &[&[u8]], run_bytes: usize, dedup: bool) -> Vec<Vec<u8>> {
        let dir = std::env::temp_dir().join(format!(
            "annals-spill-{}-{run_bytes}-{dedup}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        let mut s = ExternalSort::new(&dir.join("keys"), run_bytes, dedup);
        for k in keys {
            s.push(k.to_vec()).unwrap();
        }
        let out: Vec<Vec<u8>> = s.finish().unwrap().map(|k| k.unwrap()).collect();
        let left: Vec<_> = fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "runs are deleted: {left:?}");
        fs::remove_dir(&dir).unwrap();
        out
    }

    #[test]
    fn sorts_in_memory_and_in_runs_alike() {
        let keys: Vec<Vec<u8>> = (0..5000u32)
            .map(|i| format!("k{}\n\0{}", (i * 7919) % 1000, i % 3).into_bytes())
            .collect();
        let refs: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
        let mut expected = keys.clone();
        expected.sort();
        assert_eq!(sorted(&refs, usize::MAX, false), expected);
        assert_eq!(sorted(&refs, 1000, false), expected, "about 30 keys a run");
        expected.dedup();
        assert_eq!(expected.len(), 3000);
        assert_eq!(sorted(&refs, usize::MAX, true), expected);
        assert_eq!(sorted(&refs, 1000, true), expected);
        assert_eq!(sorted(&[], 1000, true), Vec::<Vec<u8>>::new());
        assert_eq!(sorted(&[b""], 1, false), vec![Vec::<u8>::new()]);
    }
}
