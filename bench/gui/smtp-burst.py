#!/usr/bin/env python3
"""Sends N small messages to an SMTP server as fast as it takes them, over C parallel sessions (python3 smtplib);
prints 'sent N in S s'. Used by the GUI responsiveness benchmark (letterbox-gui-bench)."""
import smtplib
import sys
import threading
import time


def main():
    host, port, total, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    counts = [total // sessions + (1 if i < total % sessions else 0) for i in range(sessions)]
    failures = []

    def run(index, count):
        try:
            with smtplib.SMTP(host, port, timeout=60) as client:
                for n in range(count):
                    body = ("From: Load %d <load%d@bench.test>\r\nTo: inbox@bench.test\r\n"
                            "Subject: Burst message %d-%d\r\n\r\nHello number %d from session %d.\r\n"
                            % (index, index, index, n, n, index))
                    client.sendmail("load%d@bench.test" % index, ["inbox@bench.test"], body.encode())
        except Exception as error:  # reported below, the exit code says it
            failures.append(repr(error))

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(counts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.monotonic() - start
    print("sent %d in %.3f s" % (total, elapsed), flush=True)
    if failures:
        print("failures: " + "; ".join(failures[:3]), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
