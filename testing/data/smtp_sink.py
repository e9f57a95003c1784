"""An SMTP server for the tests (testing/src/smtp_server.cpp starts it).

aiosmtpd on 127.0.0.1:<port>; every message it accepts is saved in <dir>
as NNNNNN.eml (the DATA exactly as received, CRLF line endings, dots
unstuffed) and NNNNNN.json ({"from", "to", "login"}), the JSON written
last and renamed into place, so a .json file means a complete message.

Options: --user/--password require AUTH (PLAIN or LOGIN, allowed without
TLS); --security none|starttls|tls with --cert/--key (starttls: STARTTLS
required before anything else; tls: implicit TLS from the first byte).
A recipient whose local part starts with "refuse" is rejected with 550.
--hold-data S: a slow server: after the message's data has arrived, prints
"smtp sink holding N <Message-ID>" and answers only S seconds later (the message is
saved then, also when the client has gone: a client killed mid-send).

Prints "smtp sink ready" once it listens, "smtp sink saved N" after the
Nth message is saved, "Address already in use" when
the port is taken (the C++ side then tries another).
"""
import argparse
import asyncio
import errno
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, hold):
        self.directory = directory
        self.hold = hold
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("refuse"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.hold > 0:
            message_id = ""
            for line in envelope.original_content.split(b"\r\n"):
                if not line:
                    break
                if line.lower().startswith(b"message-id:"):
                    message_id = line[11:].strip().decode("ascii", "replace")
            print(f"smtp sink holding {self.count} {message_id}", flush=True)
            await asyncio.sleep(self.hold)
        base = os.path.join(self.directory, f"{self.count:06d}")
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        with open(base + ".tmp", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "login": login}, f)
        os.rename(base + ".tmp", base + ".json")
        print(f"smtp sink saved {self.count}", flush=True)
        return "250 2.0.0 OK: queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--security", choices=["none", "starttls", "tls"], default="none")
    parser.add_argument("--cert", default="")
    parser.add_argument("--key", default="")
    parser.add_argument("--hold-data", type=float, default=0)
    args = parser.parse_args()

    context = None
    if args.security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    handler = Sink(args.dir, args.hold_data)

    def factory():
        return SMTP(handler,
                    hostname="smtp-sink.test",
                    authenticator=authenticator if args.user else None,
                    auth_required=bool(args.user),
                    auth_require_tls=False,
                    tls_context=context if args.security == "starttls" else None,
                    require_starttls=args.security == "starttls")

    async def serve():
        loop = asyncio.get_running_loop()
        try:
            server = await loop.create_server(
                factory, "127.0.0.1", args.port,
                ssl=context if args.security == "tls" else None)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                print("Address already in use", flush=True)
            raise
        print("smtp sink ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
