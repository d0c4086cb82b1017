//! AMQP URI parsing (`amqp://user:password@host:port/vhost?heartbeat=n`), percent-decoding
//! the user, password and vhost as the URI spec says (`%2f` is the vhost `/`); `amqprs`'s
//! own parser passes them through undecoded.

use amqprs::connection::OpenConnectionArguments;

use crate::error::AmqpError;

const DEFAULT_PORT: u16 = 5672;

/// Connection arguments for `url`; only the plain `amqp` scheme (no TLS) is supported.
pub(crate) fn parse(url: &str) -> Result<OpenConnectionArguments, AmqpError> {
    let invalid = |why: &str| AmqpError::Url(why.to_owned());
    let rest = url
        .strip_prefix("amqp://")
        .ok_or_else(|| invalid("the scheme must be amqp://"))?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, vhost) = match rest.split_once('/') {
        Some((authority, vhost)) => (authority, decode(vhost)?),
        None => (rest, "/".to_owned()),
    };
    let vhost = if vhost.is_empty() {
        "/".to_owned()
    } else {
        vhost
    };
    let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (user, password) = match userinfo.split_once(':') {
        Some((user, password)) => (decode(user)?, decode(password)?),
        None if userinfo.is_empty() => ("guest".to_owned(), "guest".to_owned()),
        None => (decode(userinfo)?, String::new()),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse()
                .map_err(|_| invalid("the port is not a number"))?,
        ),
        None => (hostport, DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err(invalid("the host is missing"));
    }
    let mut args = OpenConnectionArguments::new(host, port, &user, &password);
    args.virtual_host(&vhost);
    for (key, value) in query.split('&').filter_map(|kv| kv.split_once('=')) {
        if key == "heartbeat" {
            let seconds = value
                .parse()
                .map_err(|_| invalid("heartbeat is not a number"))?;
            args.heartbeat(seconds);
        }
    }
    Ok(args)
}

fn decode(text: &str) -> Result<String, AmqpError> {
    let invalid = || AmqpError::Url("a bad percent-escape".to_owned());
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or_else(invalid)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| invalid())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vhost_and_credentials_are_percent_decoded() {
        let args = parse("amqp://ann:p%40ss@rabbit:5673/%2f?heartbeat=30").unwrap();
        assert_eq!(
            (args.get_host(), args.get_port(), args.get_virtual_host()),
            ("rabbit", 5673, "/")
        );
        assert_eq!(args.get_heartbeat(), 30);
        let args = parse("amqp://rabbit/prod").unwrap();
        assert_eq!((args.get_port(), args.get_virtual_host()), (5672, "prod"));
        assert_eq!(parse("amqp://127.0.0.1").unwrap().get_virtual_host(), "/");
    }

    #[test]
    fn unsupported_or_broken_urls_are_errors() {
        for url in [
            "amqps://rabbit/",
            "http://rabbit/",
            "amqp:///x",
            "amqp://h:port/",
            "amqp://h/%zz",
        ] {
            assert!(parse(url).is_err(), "{url}");
        }
    }
}
