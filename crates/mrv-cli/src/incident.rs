//! The incident commands (SOP-003, `docs/incidents.md`): declare (anyone), assign, update,
//! resolve, postmortem, action items, close, show and list. Parsing and printing only; the
//! rules and the clocks are `mrv_app`'s and `mrv_core`'s.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{ClockView, IncidentDetail, IncidentSummary, Mrv, Session};
use std::path::PathBuf;

/// The severities as `incident declare --help` shows them, from the core's enum.
fn severity_help() -> String {
    format!(
        "Severities (SOP-003):\n{}\n\nSEV-1 and SEV-2: an incident commander is assigned within 5 minutes and the communications lead posts a customer update every 30 minutes until resolved. Every incident gets a blameless postmortem within 5 business days of its resolution.",
        mrv_app::severity_definitions()
            .iter()
            .map(|s| format!("  {} ({}): {} — {}", s.level, s.label, s.definition, s.response))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

#[derive(Subcommand)]
pub(crate) enum IncidentCommand {
    /// Declare an incident (anyone). See the severities below.
    #[command(after_help = severity_help())]
    Declare {
        /// 1, 2 or 3 (SEV-1 … SEV-3).
        #[arg(long = "sev", value_name = "1|2|3")]
        sev: String,
        /// What is wrong, in one line.
        #[arg(long)]
        title: String,
    },
    /// Assign the incident commander and/or the communications lead (ops admin).
    Assign {
        id: i64,
        #[arg(long, value_name = "USER", required_unless_present = "comms")]
        commander: Option<String>,
        #[arg(long, value_name = "USER")]
        comms: Option<String>,
    },
    /// Post an internal note, or with --customer a customer update (commander, comms lead or
    /// ops admin; customer updates: comms lead or ops admin).
    Update {
        id: i64,
        #[arg(long)]
        text: String,
        #[arg(long)]
        customer: bool,
    },
    /// Mark the incident resolved (ops admin); the postmortem is due 5 business days later.
    Resolve { id: i64 },
    /// Attach the postmortem, a Markdown file (ops admin; after resolution).
    Postmortem {
        id: i64,
        #[arg(long, value_name = "PM.md")]
        file: PathBuf,
    },
    /// Action items of an incident (ops admin).
    #[command(subcommand)]
    Action(ActionItemCommand),
    /// Close a resolved incident (ops admin): needs its postmortem and every action item done.
    Close { id: i64 },
    /// An incident: clocks, timeline, action items, postmortem.
    Show { id: i64 },
    /// Every incident, newest first, with its clocks.
    List,
}

#[derive(Subcommand)]
pub(crate) enum ActionItemCommand {
    /// Add an action item with its owner and due date.
    Add {
        id: i64,
        #[arg(long, value_name = "USER")]
        owner: String,
        /// YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: String,
        #[arg(long)]
        text: String,
    },
    /// Mark action item NUMBER of incident ID done.
    Done { id: i64, number: i64 },
}

fn clock_line(c: &ClockView) -> String {
    let left = match c.remaining_seconds {
        Some(s) if s >= 0 => format!(", {} left", duration(s)),
        Some(s) => format!(", overdue by {}", duration(-s)),
        None => match &c.met_at {
            Some(at) if c.met_late => format!(", met late at {at}"),
            Some(at) => format!(", met at {at}"),
            None => String::new(),
        },
    };
    format!(
        "CLOCK {}\t{}\tstarted {}\tdue {}{}\n",
        c.name, c.state, c.started_at, c.due_at, left
    )
}

fn duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn summary_line(i: &IncidentSummary) -> String {
    format!(
        "incident {} {} {}: {} (declared by {} at {}; commander {}, comms {})\n",
        i.id,
        i.severity_label,
        i.state,
        shown(&i.title),
        shown(&i.declared_by),
        i.declared_at,
        shown(i.commander.as_deref().unwrap_or("-")),
        shown(i.comms.as_deref().unwrap_or("-")),
    )
}

fn detail_text(d: &IncidentDetail) -> String {
    let mut s = summary_line(&d.summary);
    for c in &d.summary.clocks {
        s += &clock_line(c);
    }
    for u in &d.timeline {
        s += &format!(
            "{}\t{}\t{}\t{}\n",
            if u.kind == "customer" {
                "CUSTOMER"
            } else {
                "NOTE"
            },
            u.at,
            shown(&u.by),
            shown(&u.text)
        );
    }
    for a in &d.action_items {
        s += &format!(
            "ACTION #{}\t{}{}\tdue {}\towner {}\t{}\n",
            a.number,
            a.state,
            if a.overdue { " (overdue)" } else { "" },
            a.due_date,
            shown(&a.owner),
            shown(&a.text)
        );
    }
    if let Some(p) = &d.postmortem {
        s += &format!(
            "POSTMORTEM {} ({} bytes, sha256 {}) attached by {} at {}: {}\n",
            shown(&p.file_name),
            p.bytes,
            p.sha256,
            shown(&p.attached_by),
            p.attached_at,
            shown(&p.title)
        );
    }
    s
}

fn list_text(list: &[IncidentSummary]) -> String {
    let mut s = String::new();
    for i in list {
        s += &summary_line(i);
        for c in &i.clocks {
            s += &format!("  {}", clock_line(c));
        }
    }
    if list.is_empty() {
        s += "no incidents\n";
    }
    s
}

pub(crate) fn incident(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: IncidentCommand,
) -> Result<()> {
    let detail = match cmd {
        IncidentCommand::Declare { sev, title } => mrv.declare_incident(session, &sev, &title)?,
        IncidentCommand::Assign {
            id,
            commander,
            comms,
        } => mrv.assign_incident(session, id, commander.as_deref(), comms.as_deref())?,
        IncidentCommand::Update { id, text, customer } => {
            mrv.post_incident_update(session, id, &text, customer)?
        }
        IncidentCommand::Resolve { id } => mrv.resolve_incident(session, id)?,
        IncidentCommand::Postmortem { id, file } => mrv.attach_postmortem(session, id, &file)?,
        IncidentCommand::Action(ActionItemCommand::Add {
            id,
            owner,
            due,
            text,
        }) => mrv.add_incident_action(session, id, &owner, &due, &text)?.0,
        IncidentCommand::Action(ActionItemCommand::Done { id, number }) => {
            mrv.complete_incident_action(session, id, number)?
        }
        IncidentCommand::Close { id } => mrv.close_incident(session, id)?,
        IncidentCommand::Show { id } => mrv.incident(session, id)?,
        IncidentCommand::List => {
            let list = mrv.list_incidents(session)?;
            return print(json, &list, |l| list_text(l));
        }
    };
    print(json, &detail, detail_text)
}
