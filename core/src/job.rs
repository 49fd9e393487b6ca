//! Background jobs and batch imports (导盘, R-IMP-1): their closed sets of
//! kinds and states (stored as codes) and the rules of their life.
//!
//! A job's work and its terminal state commit in one transaction, so a job
//! found `running` with a stale heartbeat was interrupted (a crash, a
//! restart) and nothing of its work is stored: it runs again while it has
//! attempts left, else it fails ([`after_interruption`]).

use serde::{Deserialize, Serialize};

/// A stored code that is not one of the set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {set} code {code:?}")]
pub struct UnknownCode {
    pub set: &'static str,
    pub code: String,
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $set:literal { $($(#[$vm:meta])* $v:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub const fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            pub const fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh),+ }
            }
            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$v),)+ _ => None }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownCode;
            fn try_from(code: String) -> Result<$name, UnknownCode> {
                $name::parse(&code).ok_or(UnknownCode { set: $set, code })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum!(
    /// What a job does (`jobs.kind`).
    JobKind, "job kind" {
        /// Checks every row of an import with the one-by-one rules, stores nothing but the report.
        ImportValidate = "import_validate" / "导盘校验",
        /// Commits a validated import, all or nothing.
        ImportCommit = "import_commit" / "导盘提交",
        /// Revokes every business item a committed import created, all or nothing (R-UNDO-1).
        ImportRevoke = "import_revoke" / "导盘撤销",
        /// Declares the current month of a unit (单位社会保险缴费申报, R-DECL-1…3).
        Declaration = "declaration" / "单位缴费申报",
        /// Declares an earlier month (单位补缴申报, R-BACK-1).
        BackPayDeclaration = "back_pay_declaration" / "单位补缴申报",
        /// Writes a large export (CSV or XLSX) to fetch from the job.
        Export = "export" / "数据导出",
        /// The month's pension payroll (养老金月度发放, R-PEN-4).
        PensionPayroll = "pension_payroll" / "养老金月度发放",
    }
);

code_enum!(
    /// Where a job is (`jobs.state`).
    JobState, "job state" {
        Queued = "queued" / "排队中",
        Running = "running" / "处理中",
        Succeeded = "succeeded" / "已完成",
        Failed = "failed" / "失败",
    }
);

code_enum!(
    /// Where an import is (`imports.state`).
    ImportState, "import state" {
        /// Read; its validation job is queued or running.
        Validating = "validating" / "校验中",
        /// Validated with problems: the report says which rows; nothing can be committed.
        Invalid = "invalid" / "校验未通过",
        /// Validated without problems: ready to commit.
        Valid = "valid" / "校验通过",
        /// Its commit job is queued or running.
        Committing = "committing" / "提交中",
        /// Committed: its rows are stored.
        Committed = "committed" / "已提交",
        /// A job failed for a reason of the system (not of a row); nothing was stored.
        Failed = "failed" / "处理失败",
        /// Its revocation job is queued or running.
        Revoking = "revoking" / "撤销中",
        /// Every business item its commit created was revoked (R-UNDO-1).
        Revoked = "revoked" / "已撤销",
    }
);

impl JobState {
    pub const fn is_final(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

impl ImportState {
    /// A commit may be asked for (valid), or is asked again (a replay).
    pub const fn can_commit(self) -> bool {
        matches!(
            self,
            ImportState::Valid | ImportState::Committing | ImportState::Committed
        )
    }
}

/// What happens to a job found interrupted (running, heartbeat stale).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupted {
    /// Queued again: nothing of its work was stored.
    RunAgain,
    /// Failed: it was interrupted `attempts` times.
    Fail,
}

/// A job interrupted after its `attempts`-th start runs again while
/// `attempts < max_attempts`; then it fails (a job that crashes the server
/// must not crash it forever).
pub const fn after_interruption(attempts: i32, max_attempts: i32) -> Interrupted {
    if attempts < max_attempts {
        Interrupted::RunAgain
    } else {
        Interrupted::Fail
    }
}

/// The Chinese message of a job failed by interruptions.
pub fn interrupted_message(attempts: i32) -> String {
    format!("处理过程中服务中断{attempts}次，未保存任何数据，请重新提交")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::try_from(k.code().to_string()), Ok(*k));
        }
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.code()), Some(*s));
        }
        for s in ImportState::ALL {
            assert_eq!(ImportState::parse(s.code()), Some(*s));
        }
        assert!(JobState::try_from("done".to_string()).is_err());
        assert_eq!(
            serde_json::to_string(&ImportState::Committed)
                .ok()
                .as_deref(),
            Some("\"committed\"")
        );
    }

    #[test]
    fn an_interrupted_job_runs_again_until_its_attempts_are_spent() {
        assert_eq!(after_interruption(1, 3), Interrupted::RunAgain);
        assert_eq!(after_interruption(2, 3), Interrupted::RunAgain);
        assert_eq!(after_interruption(3, 3), Interrupted::Fail);
        assert_eq!(after_interruption(4, 3), Interrupted::Fail);
        assert!(JobState::Failed.is_final() && !JobState::Running.is_final());
        assert!(ImportState::Valid.can_commit() && !ImportState::Invalid.can_commit());
    }
}
