//! The archive's own WARC files: append-only, one gzip member per record, rolled at a size limit,
//! fsynced before the index may refer to their bytes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use annals_warc::{RecordBuilder, WarcDate, writer};

use crate::ArchiveError;

/// The folder under the data directory that holds the WARC files.
pub const WARC_DIR: &str = "warcs";

/// An open WARC file being appended to.
#[derive(Debug)]
pub(crate) struct Segment {
    pub name: String,
    pub path: PathBuf,
    pub file: File,
    /// Bytes in the file that are complete (written, and fsynced up to the last commit).
    pub size: u64,
}

impl Segment {
    /// Opens an existing file for appending at `size` (its indexed, verified length).
    pub fn reopen(dir: &Path, name: &str, size: u64) -> Result<Segment, ArchiveError> {
        let path = dir.join(name);
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| ArchiveError::io(&path, e))?;
        Ok(Segment {
            name: name.to_string(),
            path,
            file,
            size,
        })
    }

    /// Creates `annals-<YYYYMMDDhhmmss>-<serial>.warc.gz` and writes its `warcinfo` record.
    /// Returns the segment and the warcinfo member (already written and fsynced).
    pub fn create(
        dir: &Path,
        now: &WarcDate,
        serial: u64,
        record_id: &str,
    ) -> Result<(Segment, Vec<u8>), ArchiveError> {
        let name = format!("annals-{}-{serial:05}.warc.gz", now.timestamp14());
        let path = dir.join(&name);
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| ArchiveError::io(&path, e))?;
        let info = writer::warc_fields(&[
            ("software", concat!("annals/", env!("CARGO_PKG_VERSION"))),
            ("format", "WARC File Format 1.1"),
            (
                "conformsTo",
                "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            ),
        ]);
        let record = RecordBuilder::new("warcinfo", record_id, now)
            .field("WARC-Filename", &name)
            .content_type("application/warc-fields")
            .build(&info);
        let member = writer::gzip_member(&record, 6);
        file.write_all(&member)
            .map_err(|e| ArchiveError::io(&path, e))?;
        file.sync_all().map_err(|e| ArchiveError::io(&path, e))?;
        sync_dir(dir)?;
        let size = member.len() as u64;
        Ok((
            Segment {
                name,
                path,
                file,
                size,
            },
            member,
        ))
    }

    /// Appends bytes (not yet durable: call [`Segment::sync`]).
    pub fn write(&mut self, bytes: &[u8]) -> Result<u64, ArchiveError> {
        let offset = self.size;
        if let Err(e) = self.file.write_all(bytes) {
            // Leave no partial member behind: cut back to the last complete record.
            let _ = self.file.set_len(self.size);
            return Err(ArchiveError::io(&self.path, e));
        }
        self.size += bytes.len() as u64;
        Ok(offset)
    }

    /// Makes everything written so far durable.
    pub fn sync(&mut self) -> Result<(), ArchiveError> {
        self.file
            .sync_data()
            .map_err(|e| ArchiveError::io(&self.path, e))
    }

    /// Cuts the file back to `size` after a failed batch.
    pub fn rollback(&mut self, size: u64) {
        let _ = self.file.set_len(size);
        let _ = self.file.sync_data();
        self.size = size;
    }
}

/// Serial number of a file name made by [`Segment::create`].
pub(crate) fn serial_of(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".warc.gz")?;
    stem.rsplit('-').next()?.parse().ok()
}

/// Whether `name` is one of the archive's WARC files.
pub(crate) fn is_segment_name(name: &str) -> bool {
    name.starts_with("annals-") && name.ends_with(".warc.gz") && serial_of(name).is_some()
}

/// fsyncs a directory so a newly created file's entry is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ArchiveError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ArchiveError::io(dir, e))
}
