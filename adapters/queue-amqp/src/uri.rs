//! AMQP URI parsing (`amqp://user:password@host:port/vhost?heartbeat=n`), percent-decoding
//! the user, password and vhost as the URI spec says (`%2f` is the vhost `/`); `amqprs`'s
//! own parser passes them through undecoded. `amqps://` connects over TLS, with RabbitMQ's
//! query parameters for it (`cacertfile`, `certfile`, `keyfile`, `server_name_indication`;
//! see [`crate::tls`]).

use amqprs::connection::OpenConnectionArguments;

use crate::error::AmqpError;

use crate::tls::TlsOptions;

const DEFAULT_PORT: u16 = 5672;
const DEFAULT_TLS_PORT: u16 = 5671;

/// Connection arguments for `url` (`amqp://` or, over TLS, `amqps://`). The TLS files are
/// read here, so that a missing or broken one fails at start-up.
pub(crate) fn parse(url: &str) -> Result<OpenConnectionArguments, AmqpError> {
    let invalid = |why: &str| AmqpError::Url(why.to_owned());
    let (rest, secure) = match (url.strip_prefix("amqp://"), url.strip_prefix("amqps://")) {
        (Some(rest), _) => (rest, false),
        (None, Some(rest)) => (rest, true),
        (None, None) => return Err(invalid("the scheme must be amqp:// or amqps://")),
    };
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
        None if secure => (hostport, DEFAULT_TLS_PORT),
        None => (hostport, DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err(invalid("the host is missing"));
    }
    let mut args = OpenConnectionArguments::new(host, port, &user, &password);
    args.virtual_host(&vhost);
    let mut tls = TlsOptions::default();
    for (key, value) in query.split('&').filter_map(|kv| kv.split_once('=')) {
        match key {
            "heartbeat" => {
                let seconds = value
                    .parse()
                    .map_err(|_| invalid("heartbeat is not a number"))?;
                args.heartbeat(seconds);
            }
            "cacertfile" => tls.ca_cert = Some(decode(value)?),
            "certfile" => tls.client_cert = Some(decode(value)?),
            "keyfile" => tls.client_key = Some(decode(value)?),
            "server_name_indication" => tls.server_name = Some(decode(value)?),
            // Other parameters of the URI spec (e.g. channel_max) keep the client's defaults.
            _ => {}
        }
    }
    if secure {
        args.tls_adaptor(tls.adaptor(host)?);
    } else if tls.any() {
        return Err(invalid("TLS options need the amqps:// scheme"));
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
    fn amqps_connects_over_tls_on_5671_by_default() {
        let args = parse("amqps://ann:secret@rabbit/%2f").unwrap();
        assert_eq!((args.get_host(), args.get_port()), ("rabbit", 5671));
        assert!(args.get_tls_adaptor().is_some());
        assert!(parse("amqp://rabbit/").unwrap().get_tls_adaptor().is_none());
        let named = parse("amqps://10.0.0.7:5999/?server_name_indication=rabbit.internal").unwrap();
        assert_eq!(named.get_port(), 5999);
    }

    #[test]
    fn tls_files_are_read_at_parse_time_and_need_amqps() {
        let missing = parse("amqps://rabbit/?cacertfile=%2Fnonexistent%2Fca.pem")
            .err()
            .unwrap();
        assert!(
            missing.to_string().contains("/nonexistent/ca.pem"),
            "{missing}"
        );
        assert!(parse("amqp://rabbit/?cacertfile=/etc/ca.pem").is_err());
    }

    #[test]
    fn unsupported_or_broken_urls_are_errors() {
        for url in [
            "http://rabbit/",
            "amqp:///x",
            "amqp://h:port/",
            "amqp://h/%zz",
        ] {
            assert!(parse(url).is_err(), "{url}");
        }
    }
}
