//! Registry exports (DESIGN.md §2 and §7, SOP-005 step 4): the export state machine, who may
//! sign an export off (segregation of duties), and the manifest format `mrv-export/v1` that a
//! sign-off covers.
//!
//! The manifest is plain serde data here; its canonical bytes (RFC 8785) and the Ed25519
//! signature over them are made in `mrv-app` with `mrv-stamp`'s `jcs`, since this crate imports
//! no other workspace crate.

use crate::{Denied, Granted};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The manifest format's name, the first member of every manifest.
pub const MANIFEST_FORMAT: &str = "mrv-export/v1";

/// Where a registry export stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Created from anchored batches; its quantities and serial numbers are fixed.
    Draft,
    /// Handed to the methodology owner who signs it off or returns it.
    Submitted,
    /// The manifest is signed; the export may be written and pushed.
    SignedOff,
    /// Sent back with a reason. Final: its batches are free for a new export and its serial
    /// numbers stay a gap.
    Returned,
    /// Sent to the registry, waiting for its confirmation.
    Pushed,
    RegistryConfirmed,
    /// The registry refused it. Final, like a return.
    RegistryRejected,
    /// Recorded in the inventory.
    Issued,
}

impl ExportState {
    pub const ALL: [ExportState; 8] = [
        ExportState::Draft,
        ExportState::Submitted,
        ExportState::SignedOff,
        ExportState::Returned,
        ExportState::Pushed,
        ExportState::RegistryConfirmed,
        ExportState::RegistryRejected,
        ExportState::Issued,
    ];

    /// The stored, stable name (the `export.state` CHECK lists exactly these).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Draft => "draft",
            ExportState::Submitted => "submitted",
            ExportState::SignedOff => "signed_off",
            ExportState::Returned => "returned",
            ExportState::Pushed => "pushed",
            ExportState::RegistryConfirmed => "registry_confirmed",
            ExportState::RegistryRejected => "registry_rejected",
            ExportState::Issued => "issued",
        }
    }

    pub fn parse(name: &str) -> Option<ExportState> {
        ExportState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// A live export holds its batches: no other live export may include them.
    pub fn is_live(self) -> bool {
        !matches!(self, ExportState::Returned | ExportState::RegistryRejected)
    }

    /// Whether the manifest has been signed (sign-off and everything after it).
    pub fn is_signed_off(self) -> bool {
        matches!(
            self,
            ExportState::SignedOff
                | ExportState::Pushed
                | ExportState::RegistryConfirmed
                | ExportState::RegistryRejected
                | ExportState::Issued
        )
    }
}

/// What happens to an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportEvent {
    /// The draft is handed over for sign-off.
    Submit,
    SignOff,
    /// Sent back to be rebuilt, with a reason code and text.
    Return,
    Push,
    /// The registry read back what was pushed and it matched.
    Confirm,
    /// The registry refused the push.
    RegistryReject,
    /// The confirmed issuance entered the inventory.
    Issue,
}

impl ExportEvent {
    pub const ALL: [ExportEvent; 7] = [
        ExportEvent::Submit,
        ExportEvent::SignOff,
        ExportEvent::Return,
        ExportEvent::Push,
        ExportEvent::Confirm,
        ExportEvent::RegistryReject,
        ExportEvent::Issue,
    ];

    /// The stored name (`export_event.action`, journal actions `export.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportEvent::Submit => "submit",
            ExportEvent::SignOff => "sign_off",
            ExportEvent::Return => "return",
            ExportEvent::Push => "push",
            ExportEvent::Confirm => "confirm",
            ExportEvent::RegistryReject => "registry_reject",
            ExportEvent::Issue => "issue",
        }
    }

    pub fn parse(name: &str) -> Option<ExportEvent> {
        ExportEvent::ALL.into_iter().find(|e| e.as_str() == name)
    }

    fn participle(self) -> &'static str {
        match self {
            ExportEvent::Submit => "submitted",
            ExportEvent::SignOff => "signed off",
            ExportEvent::Return => "returned",
            ExportEvent::Push => "pushed",
            ExportEvent::Confirm => "confirmed by the registry",
            ExportEvent::RegistryReject => "rejected by the registry",
            ExportEvent::Issue => "issued",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("export is {from}; it cannot be {what}{hint}")]
pub struct IllegalExportTransition {
    pub from: &'static str,
    pub what: &'static str,
    pub hint: &'static str,
}

/// The state `event` leads to from `state`, or why it cannot happen.
///
/// A sign-off or a return may be given on a draft directly (the draft is then submitted and
/// decided in one step, see `mrv-app`); the table itself keeps the two steps apart.
pub fn next_export_state(
    state: ExportState,
    event: ExportEvent,
) -> Result<ExportState, IllegalExportTransition> {
    use ExportEvent::*;
    use ExportState::*;
    let to = match (state, event) {
        (Draft, Submit) => Some(Submitted),
        (Draft | Submitted, Return) => Some(Returned),
        (Submitted, SignOff) => Some(SignedOff),
        (SignedOff, Push) => Some(Pushed),
        (Pushed, Confirm) => Some(RegistryConfirmed),
        (Pushed, RegistryReject) => Some(RegistryRejected),
        (RegistryConfirmed, Issue) => Some(Issued),
        _ => None,
    };
    to.ok_or(IllegalExportTransition {
        from: state.as_str(),
        what: event.participle(),
        hint: match (state, event) {
            (Returned | RegistryRejected, _) => {
                "; create a new export for the project and period instead"
            }
            (Draft, SignOff) => "; submit it first",
            (Draft | Submitted, Push) => "; it must be signed off first",
            (SignedOff | Pushed | RegistryConfirmed | Issued, Return) => {
                "; a signed-off export is no longer returned"
            }
            _ => "",
        },
    })
}

/// How a user took part in a batch an export includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Involvement {
    Imported,
    Approved,
}

impl Involvement {
    pub fn as_str(self) -> &'static str {
        match self {
            Involvement::Imported => "imported",
            Involvement::Approved => "approved",
        }
    }
}

/// Who imported and who approved one included batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchParticipants {
    pub batch_id: i64,
    pub imported_by: Option<i64>,
    pub approved_by: Option<i64>,
}

/// Segregation of duties for a sign-off (DESIGN.md §3): nobody signs off an export holding a
/// batch they imported or approved.
pub fn may_sign_off(
    granted: &Granted,
    export_id: i64,
    batches: &[BatchParticipants],
) -> Result<(), Denied> {
    for b in batches {
        let how = if b.imported_by == Some(granted.user_id()) {
            Some(Involvement::Imported)
        } else if b.approved_by == Some(granted.user_id()) {
            Some(Involvement::Approved)
        } else {
            None
        };
        if let Some(how) = how {
            return Err(Denied::IncludedWork {
                user: granted.user().to_owned(),
                export: export_id,
                batch: b.batch_id,
                how: how.as_str(),
            });
        }
    }
    Ok(())
}

/// A serial number block `start..=end` (CADT `unitBlockStart`/`unitBlockEnd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialRange {
    pub start: i64,
    pub end: i64,
}

impl SerialRange {
    /// `count` numbers starting at `start`; none for a count of 0.
    pub fn starting_at(start: i64, count: i64) -> Option<SerialRange> {
        (count > 0).then_some(SerialRange {
            start,
            end: start + count - 1,
        })
    }

    pub fn count(self) -> i64 {
        self.end - self.start + 1
    }
}

/// `mrv-export/v1`: what a sign-off covers. Its canonical bytes (RFC 8785) without
/// [`Manifest::signoff`] are what the methodology owner signs and what the audit log anchors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    pub export: ManifestExport,
    pub quantities: ManifestQuantities,
    /// Each included batch, by id.
    pub batches: Vec<ManifestBatch>,
    /// The audit log whose receipts the export carries (its pinned origin and verifier key).
    pub audit_log: Option<ManifestLog>,
    /// Every file of the export folder but `manifest.json`, by path.
    pub files: Vec<ManifestFile>,
    /// Absent until signed off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signoff: Option<ManifestSignoff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestExport {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub country: Option<String>,
    pub methodology: String,
    pub period_start: String,
    pub period_end: String,
    pub vintage: i32,
    pub verification_body: Option<String>,
    pub report_date: Option<String>,
    pub created_by: String,
    pub created_at: String,
    /// The serial numbers allocated to the issuance; none when it issues no unit.
    pub serials: Option<SerialRange>,
}

/// The export's quantities: decimal text for tonnes (exact), integers for units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestQuantities {
    pub gross_claimed_tco2e: String,
    pub buffer_percent: String,
    pub issued: i64,
    pub buffer: i64,
    pub tradable: i64,
    /// How each number was derived, in words.
    pub derivation: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestBatch {
    pub id: i64,
    pub version: i64,
    pub gross_claimed_tco2e: String,
    pub stamp_hash: String,
    /// The stamp folder inside the export (`stamps/batch-<id>-v<version>`).
    pub folder: String,
    /// Where the stamp's `mrv-anchor/v1` entry is in the audit log.
    pub anchor_index: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestLog {
    pub origin: String,
    pub vkey: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Relative, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// The sign-off: who signed, with which key, the signature over the manifest's canonical
/// bytes without this member, and the sign-off's own anchor in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSignoff {
    pub signer: String,
    /// `ed25519:` + 64 hex digits.
    pub public_key: String,
    /// Base64 of the Ed25519 signature, as stamps carry theirs.
    pub signature: String,
    pub signed_at: String,
    /// The `mrv-anchor/v1` entry (kind `signoff`) and its C2SP tlog-proof receipt, once the
    /// sign-off is anchored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_receipt: Option<String>,
}

impl Manifest {
    /// The manifest as signed: without its sign-off.
    pub fn unsigned(&self) -> Manifest {
        Manifest {
            signoff: None,
            ..self.clone()
        }
    }

    /// The anchor record id of an export's sign-off (`export-<id>`).
    pub fn signoff_record_id(export_id: i64) -> String {
        format!("export-{export_id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{authorize, Action, Actor, Role};

    #[test]
    fn the_export_journey_and_its_only_legal_steps() {
        let mut legal = Vec::new();
        for s in ExportState::ALL {
            for e in ExportEvent::ALL {
                if let Ok(to) = next_export_state(s, e) {
                    legal.push(format!("{} -{}-> {}", s.as_str(), e.as_str(), to.as_str()));
                }
            }
        }
        assert_eq!(
            legal,
            [
                "draft -submit-> submitted",
                "draft -return-> returned",
                "submitted -sign_off-> signed_off",
                "submitted -return-> returned",
                "signed_off -push-> pushed",
                "pushed -confirm-> registry_confirmed",
                "pushed -registry_reject-> registry_rejected",
                "registry_confirmed -issue-> issued",
            ]
        );
        assert_eq!(
            next_export_state(ExportState::Returned, ExportEvent::SignOff)
                .unwrap_err()
                .to_string(),
            "export is returned; it cannot be signed off; create a new export for the project and period instead"
        );
        assert_eq!(
            next_export_state(ExportState::Submitted, ExportEvent::Push)
                .unwrap_err()
                .to_string(),
            "export is submitted; it cannot be pushed; it must be signed off first"
        );
    }

    proptest::proptest! {
        /// No sequence of events moves an export backwards, out of a final state, or to a
        /// sign-off without passing `submitted`.
        #[test]
        fn no_sequence_reaches_an_illegal_state(events in proptest::collection::vec(0usize..7, 0..40)) {
            let order = |s: ExportState| match s {
                ExportState::Draft => 0,
                ExportState::Submitted => 1,
                ExportState::SignedOff | ExportState::Returned => 2,
                ExportState::Pushed => 3,
                ExportState::RegistryConfirmed | ExportState::RegistryRejected => 4,
                ExportState::Issued => 5,
            };
            let mut state = ExportState::Draft;
            for e in events {
                let event = ExportEvent::ALL[e];
                if let Ok(to) = next_export_state(state, event) {
                    proptest::prop_assert!(state.is_live(), "{state:?} is final");
                    proptest::prop_assert!(order(to) > order(state), "{state:?} -> {to:?}");
                    if to == ExportState::SignedOff {
                        proptest::prop_assert_eq!(state, ExportState::Submitted);
                    }
                    if to.is_signed_off() {
                        proptest::prop_assert!(state.is_signed_off() || state == ExportState::Submitted);
                    }
                    state = to;
                }
            }
        }
    }

    #[test]
    fn states_and_events_round_trip_through_their_stored_names() {
        for s in ExportState::ALL {
            assert_eq!(ExportState::parse(s.as_str()), Some(s));
        }
        for e in ExportEvent::ALL {
            assert_eq!(ExportEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(ExportState::parse("Draft"), None);
        let live: Vec<&str> = ExportState::ALL
            .into_iter()
            .filter(|s| !s.is_live())
            .map(ExportState::as_str)
            .collect();
        assert_eq!(live, ["returned", "registry_rejected"]);
    }

    fn owner(id: i64) -> Granted {
        authorize(
            &Actor {
                user_id: id,
                name: format!("user{id}"),
                roles: vec![Role::MethodologyOwner],
                active: true,
                session: None,
            },
            Action::SignOffExport,
        )
        .unwrap()
    }

    #[test]
    fn nobody_signs_off_a_batch_they_imported_or_approved() {
        let batches = [
            BatchParticipants {
                batch_id: 3,
                imported_by: Some(1),
                approved_by: Some(2),
            },
            BatchParticipants {
                batch_id: 4,
                imported_by: Some(5),
                approved_by: Some(6),
            },
        ];
        assert_eq!(
            may_sign_off(&owner(1), 9, &batches)
                .unwrap_err()
                .to_string(),
            "user1 imported batch 3, which export 9 includes, and so may not sign it off (segregation of duties)"
        );
        assert_eq!(
            may_sign_off(&owner(6), 9, &batches)
                .unwrap_err()
                .to_string(),
            "user6 approved batch 4, which export 9 includes, and so may not sign it off (segregation of duties)"
        );
        assert!(may_sign_off(&owner(7), 9, &batches).is_ok());
        assert!(may_sign_off(&owner(1), 9, &[]).is_ok());
    }

    #[test]
    fn serial_ranges_count_inclusively() {
        let r = SerialRange::starting_at(1001, 250).unwrap();
        assert_eq!((r.start, r.end, r.count()), (1001, 1250, 250));
        assert_eq!(SerialRange::starting_at(5, 1).unwrap().count(), 1);
        assert_eq!(SerialRange::starting_at(5, 0), None);
    }
}
