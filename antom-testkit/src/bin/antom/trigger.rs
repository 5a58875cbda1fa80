//! `antom trigger`: sends one of the testkit's notifications, re-signed for the target.

use std::path::PathBuf;
use std::process::ExitCode;

use antom_testkit::mock::{AckPolicy, SendOptions};
use antom_testkit::trigger;
use antom_tower::signing::{KeyVersion, PrivateKey};

/// `antom trigger` arguments.
#[derive(clap::Args)]
pub struct TriggerArgs {
    /// The event to send (see --list), e.g. notify_payment.success.
    #[arg(required_unless_present = "list")]
    event: Option<String>,
    /// List the events and exit.
    #[arg(long)]
    list: bool,
    /// The notify URL, e.g. http://127.0.0.1:3000/antom/notify.
    #[arg(long, required_unless_present = "list")]
    to: Option<String>,
    /// Override a body field: json.path=value (repeatable), e.g. --set paymentRequestId=order_42.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// client-id header (and signed content).
    #[arg(long, default_value = antom_testkit::mock::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Antom's signing key (default: the testkit's test key).
    #[arg(long)]
    private_key: Option<PathBuf>,
    /// keyVersion announced in the signature header.
    #[arg(long, default_value_t = 1)]
    key_version: u32,
}

pub fn run(args: TriggerArgs) -> Result<ExitCode, String> {
    if args.list {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        for event in trigger::events() {
            // A closed pipe (`| head`) just ends the list.
            if writeln!(out, "{:<52} {}", event.name, event.description).is_err() {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = args.event.expect("clap requires it");
    let to = args.to.expect("clap requires it");
    let event = trigger::by_name(&name).ok_or_else(|| format!("no event {name:?}: see antom trigger --list"))?;
    let body = trigger::apply_overrides(&event.body, &args.set).map_err(|e| e.to_string())?;
    let key = match &args.private_key {
        Some(path) => PrivateKey::from_bytes(&super::read(path)?).map_err(|e| format!("{}: {e}", path.display()))?,
        None => antom_testkit::keys::antom_private_key(),
    };
    let options = SendOptions {
        client_id: args.client_id,
        key_version: KeyVersion(args.key_version),
        ..Default::default()
    };
    let sent = super::runtime()?
        .block_on(antom_testkit::mock::send_notification_bytes(&to, body, &key, &options))
        .map_err(|e| format!("{to}: {e}"))?;
    println!("sent {name} to {to}\n{}\n", sent.body);
    println!("HTTP {}\n{}", sent.status, sent.response_body);
    let exact = AckPolicy::Exact.is_ack(sent.status, sent.response_body.as_bytes());
    if exact {
        println!("acknowledged: the exact SUCCESS acknowledgement");
    } else if sent.acknowledged {
        println!("acknowledged, but not byte for byte the SUCCESS acknowledgement of Antom's samples (Antom parses it; fine)");
    } else {
        println!("NOT acknowledged: Antom would resend this notification");
    }
    Ok(if sent.acknowledged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
