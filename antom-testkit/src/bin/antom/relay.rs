//! `antom relay` and `antom listen`: real sandbox notifications on localhost.

use std::net::SocketAddr;
use std::process::ExitCode;

use antom_testkit::relay::listen::{listen, ListenError, ListenOptions};
use antom_testkit::relay::{Relay, RelayConfig};

/// `antom relay` arguments.
#[derive(clap::Args)]
pub struct RelayArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A channel and its secret, NAME=SECRET (repeatable). A secret may also come from
    /// $ANTOM_RELAY_SECRET_NAME (NAME in upper case) with --channel NAME.
    #[arg(long = "channel", value_name = "NAME=SECRET", required = true)]
    channels: Vec<String>,
    /// How long to wait for the developer's app, e.g. 4s.
    #[arg(long, default_value = "4s")]
    answer_timeout: String,
}

/// `antom listen` arguments.
#[derive(clap::Args)]
pub struct ListenArgs {
    /// The relay's base URL: https://, http://, wss:// or ws:// and the host.
    #[arg(long)]
    relay: String,
    /// Your channel.
    #[arg(long)]
    channel: String,
    /// The channel's secret (default: $ANTOM_RELAY_SECRET).
    #[arg(long)]
    secret: Option<String>,
    /// Your app's notify URL, e.g. http://127.0.0.1:3000/antom/notify.
    #[arg(long)]
    forward_to: String,
}

pub async fn relay(args: RelayArgs) -> Result<ExitCode, String> {
    let timeout = antom_testkit::mock::control::parse_duration(&args.answer_timeout)
        .ok_or_else(|| format!("--answer-timeout {:?} is not a duration", args.answer_timeout))?;
    let mut config = RelayConfig::new().answer_timeout(timeout);
    let mut names = Vec::new();
    for spec in &args.channels {
        let (name, secret) = match spec.split_once('=') {
            Some((name, secret)) => (name.to_owned(), secret.to_owned()),
            None => {
                let var = format!("ANTOM_RELAY_SECRET_{}", spec.to_ascii_uppercase().replace('-', "_"));
                let secret = std::env::var(&var).map_err(|_| format!("--channel {spec}: no =SECRET and no ${var}"))?;
                (spec.clone(), secret)
            }
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!("--channel {name:?}: letters, digits, - and _ only"));
        }
        if secret.len() < 8 {
            return Err(format!("--channel {name}: the secret must have at least 8 characters"));
        }
        names.push(name.clone());
        config = config.channel(name, secret);
    }
    let relay = Relay::start(config, args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    println!("antom relay listening on {}", relay.base_url());
    for name in &names {
        println!(
            "channel {name}: give Antom {}  (listeners connect to /listen/{name})",
            relay.channel_url(name, "/<your notify path>")
        );
    }
    let mut events = relay.subscribe();
    let mut printed = 0;
    loop {
        tokio::select! {
            changed = events.changed() => {
                if changed.is_err() { break; }
                let list = events.borrow_and_update().clone();
                for e in list.iter().filter(|e| e.seq > printed) {
                    println!(
                        "{}  {}  {}  -> {} ({})",
                        antom_testkit::mock::iso8601_utc(e.at), e.channel, e.path, e.status, e.outcome
                    );
                }
                printed = list.last().map_or(printed, |e| e.seq);
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    relay.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn listen_command(args: ListenArgs) -> Result<ExitCode, String> {
    let secret = args
        .secret
        .or_else(|| std::env::var("ANTOM_RELAY_SECRET").ok())
        .ok_or("--secret (or ANTOM_RELAY_SECRET) is required")?;
    let options = ListenOptions::new(args.relay, args.channel, secret, args.forward_to);
    println!(
        "listening on {}, forwarding to {}",
        options.websocket_url(),
        options.forward_to
    );
    println!(
        "your app verifies with proxy_path_prefix(\"{}\"): Antom signed the relay URL's path",
        antom_testkit::relay::channel_prefix(&options.channel)
    );
    let run = listen(&options, |line| println!("{line}"));
    tokio::select! {
        result = run => match result {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e @ ListenError::Refused { .. }) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        _ = tokio::signal::ctrl_c() => Ok(ExitCode::SUCCESS),
    }
}
