//! The SQLite registry: its schema, queries, registration, verification.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self};

use rusqlite::{params, Connection, OptionalExtension};

use xnix_formats::derivation::Derivation;
use xnix_formats::hash::Hash;
use xnix_formats::path::StorePath;
use xnix_fs::nar::{self};

use xnix_fs::io_err;

use super::{LocalStore, LocalStoreError, Result, ValidPathInfo, VerifyReport};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ValidPaths (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    path             TEXT UNIQUE NOT NULL,
    hash             TEXT NOT NULL,
    registrationTime INTEGER NOT NULL,
    deriver          TEXT,
    narSize          INTEGER,
    ultimate         INTEGER,
    sigs             TEXT,
    ca               TEXT
);
CREATE TABLE IF NOT EXISTS Refs (
    referrer  INTEGER NOT NULL,
    reference INTEGER NOT NULL,
    PRIMARY KEY (referrer, reference),
    FOREIGN KEY (referrer) REFERENCES ValidPaths(id) ON DELETE CASCADE,
    FOREIGN KEY (reference) REFERENCES ValidPaths(id) ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS IndexReferrer ON Refs(referrer);
CREATE INDEX IF NOT EXISTS IndexReference ON Refs(reference);
CREATE TABLE IF NOT EXISTS DerivationOutputs (
    drv  INTEGER NOT NULL,
    id   TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (drv, id),
    FOREIGN KEY (drv) REFERENCES ValidPaths(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS IndexDerivationOutputs ON DerivationOutputs(path);
";

impl LocalStore {
    /// Whether a path is registered as valid.
    pub fn is_valid_path(&self, path: &StorePath) -> Result<bool> {
        let c = self.conn();
        c.query_row(
            "SELECT 1 FROM ValidPaths WHERE path = ?1",
            [self.print_path(path)],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
        .map_err(|e| self.db_err(e))
    }

    /// Everything the registry knows about a path; `None` if it is not valid.
    pub fn query_path_info(&self, path: &StorePath) -> Result<Option<ValidPathInfo>> {
        let c = self.conn();
        self.query_info_locked(&c, path)
    }

    pub(super) fn query_info_locked(
        &self,
        c: &Connection,
        path: &StorePath,
    ) -> Result<Option<ValidPathInfo>> {
        type Row = (
            i64,
            String,
            i64,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = c
            .query_row(
                "SELECT id, hash, registrationTime, deriver, narSize, ultimate, sigs, ca FROM ValidPaths WHERE path = ?1",
                [self.print_path(path)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()
            .map_err(|e| self.db_err(e))?;
        let Some((id, hash, time, deriver, size, ultimate, sigs, ca)) = row else {
            return Ok(None);
        };
        let nar_hash = Hash::parse(&hash, None).map_err(|e| {
            LocalStoreError::Corrupt(format!("hash of '{}': {e}", self.print_path(path)))
        })?;
        let mut stmt = c
            .prepare_cached("SELECT v.path FROM Refs r JOIN ValidPaths v ON r.reference = v.id WHERE r.referrer = ?1")
            .map_err(|e| self.db_err(e))?;
        let refs: Vec<String> = stmt
            .query_map([id], |r| r.get(0))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        let references = refs
            .iter()
            .map(|r| self.parse_path(r))
            .collect::<Result<_>>()?;
        let deriver = match deriver {
            Some(d) if !d.is_empty() => Some(self.parse_path(&d)?),
            _ => None,
        };
        Ok(Some(ValidPathInfo {
            path: path.clone(),
            nar_hash,
            nar_size: size.unwrap_or(0) as u64,
            references,
            deriver,
            registration_time: time,
            ca,
            sigs: sigs
                .map(|s| {
                    s.split(' ')
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            ultimate: ultimate.unwrap_or(0) != 0,
        }))
    }

    /// The valid paths that refer to `path`.
    pub fn query_referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        let c = self.conn();
        let mut stmt = c
            .prepare_cached(
                "SELECT v.path FROM Refs r JOIN ValidPaths v ON r.referrer = v.id \
                 WHERE r.reference = (SELECT id FROM ValidPaths WHERE path = ?1)",
            )
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<String> = stmt
            .query_map([self.print_path(path)], |r| r.get(0))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        rows.iter().map(|r| self.parse_path(r)).collect()
    }

    /// All valid paths.
    pub fn query_all_valid_paths(&self) -> Result<BTreeSet<StorePath>> {
        let c = self.conn();
        let mut stmt = c
            .prepare_cached("SELECT path FROM ValidPaths")
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        rows.iter().map(|r| self.parse_path(r)).collect()
    }

    /// The outputs a registered derivation declares (name -> path), as
    /// recorded when the `.drv` was added.
    pub fn query_derivation_outputs(
        &self,
        drv_path: &StorePath,
    ) -> Result<BTreeMap<String, StorePath>> {
        let c = self.conn();
        let mut stmt = c
            .prepare_cached(
                "SELECT d.id, d.path FROM DerivationOutputs d JOIN ValidPaths v ON d.drv = v.id WHERE v.path = ?1",
            )
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<(String, String)> = stmt
            .query_map([self.print_path(drv_path)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        rows.into_iter()
            .map(|(k, v)| Ok((k, self.parse_path(&v)?)))
            .collect()
    }

    /// The closure of `paths`: them and everything they refer to, transitively.
    pub fn closure(&self, paths: &BTreeSet<StorePath>) -> Result<BTreeSet<StorePath>> {
        let c = self.conn();
        let mut done = BTreeSet::new();
        let mut todo: Vec<StorePath> = paths.iter().cloned().collect();
        while let Some(p) = todo.pop() {
            if done.contains(&p) {
                continue;
            }
            let info = self
                .query_info_locked(&c, &p)?
                .ok_or_else(|| LocalStoreError::NotValid(self.full_path(&p)))?;
            todo.extend(info.references.into_iter().filter(|r| !done.contains(r)));
            done.insert(p);
        }
        Ok(done)
    }

    /// Register paths whose contents are already complete in the store, in one
    /// transaction. References must be valid or among `infos` (outputs of one
    /// build may refer to each other). Registering an already-valid path
    /// updates its record. Registering a `.drv` records its outputs.
    pub fn register_valid_paths(&self, infos: &[ValidPathInfo]) -> Result<()> {
        let mut c = self.conn();
        let tx = c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.db_err(e))?;
        for info in infos {
            tx.execute(
                "INSERT INTO ValidPaths (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT(path) DO UPDATE SET hash = excluded.hash, registrationTime = excluded.registrationTime, \
                 deriver = excluded.deriver, narSize = excluded.narSize, ultimate = excluded.ultimate, \
                 sigs = excluded.sigs, ca = excluded.ca",
                params![
                    self.print_path(&info.path),
                    info.nar_hash.encode(xnix_formats::HashEncoding::Base16, true),
                    info.registration_time,
                    info.deriver.as_ref().map(|d| self.print_path(d)),
                    info.nar_size as i64,
                    info.ultimate as i64,
                    if info.sigs.is_empty() { None } else { Some(info.sigs.join(" ")) },
                    info.ca,
                ],
            )
            .map_err(|e| self.db_err(e))?;
        }
        for info in infos {
            let me = self.print_path(&info.path);
            tx.execute(
                "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?1)",
                [&me],
            )
            .map_err(|e| self.db_err(e))?;
            for r in &info.references {
                let n = tx
                    .execute(
                        "INSERT OR IGNORE INTO Refs (referrer, reference) \
                         SELECT a.id, b.id FROM ValidPaths a, ValidPaths b WHERE a.path = ?1 AND b.path = ?2",
                        params![me, self.print_path(r)],
                    )
                    .map_err(|e| self.db_err(e))?;
                if n == 0 {
                    return Err(LocalStoreError::MissingReference {
                        path: self.full_path(&info.path),
                        reference: self.full_path(r),
                    });
                }
            }
            if info.path.is_derivation() {
                let drv = self.read_derivation(&info.path)?;
                for (out, o) in &drv.outputs {
                    if let Some(p) = &o.path {
                        tx.execute(
                            "INSERT OR REPLACE INTO DerivationOutputs (drv, id, path) \
                             SELECT id, ?2, ?3 FROM ValidPaths WHERE path = ?1",
                            params![me, out, self.print_path(p)],
                        )
                        .map_err(|e| self.db_err(e))?;
                    }
                }
            }
        }
        tx.commit().map_err(|e| self.db_err(e))
    }

    /// Read a registered `.drv` file.
    pub fn read_derivation(&self, drv_path: &StorePath) -> Result<Derivation> {
        let real = self.real_path(drv_path);
        let text = fs::read_to_string(&real).map_err(io_err("reading derivation", &real))?;
        self.parse_derivation(drv_path, &text)
    }

    /// Parse the text of the `.drv` file `drv_path`.
    pub(super) fn parse_derivation(&self, drv_path: &StorePath, text: &str) -> Result<Derivation> {
        let name = drv_path
            .name()
            .strip_suffix(".drv")
            .unwrap_or(drv_path.name());
        Ok(Derivation::parse_aterm(&self.store_dir, name, text)?)
    }

    /// Re-hash every valid path and compare with the registry.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for p in self.query_all_valid_paths()? {
            let info = self
                .query_path_info(&p)?
                .ok_or_else(|| LocalStoreError::NotValid(self.full_path(&p)))?;
            report.checked += 1;
            let real = self.real_path(&p);
            if fs::symlink_metadata(&real).is_err() {
                report.missing.push(p);
                continue;
            }
            let (h, n) = nar::nar_hash(&real)?;
            if h != info.nar_hash || n != info.nar_size {
                report.corrupt.push((p.clone(), info.nar_hash.clone(), h));
            }
        }
        // References pointing outside the valid set cannot happen with the
        // foreign keys on, but a hand-edited or foreign database may have them.
        let c = self.conn();
        let mut stmt = c
            .prepare(
                "SELECT v.path, r.reference FROM Refs r JOIN ValidPaths v ON r.referrer = v.id \
                      WHERE r.reference NOT IN (SELECT id FROM ValidPaths)",
            )
            .map_err(|e| self.db_err(e))?;
        let rows: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.db_err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db_err(e))?;
        for (p, id) in rows {
            report
                .dangling_references
                .push((self.parse_path(&p)?, format!("id {id}")));
        }
        Ok(report)
    }
}
