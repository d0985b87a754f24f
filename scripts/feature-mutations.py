#!/usr/bin/env python3
"""Break one behaviour at a time and check that the feature suite notices.

Each mutation edits the source (client or fakes), runs `go test ./scenarios/`, lists the
scenarios that failed and restores the files. A mutation that no scenario catches is a hole in
the behaviour book. Run from the repository root: python3 scripts/feature-mutations.py
"""
import re
import subprocess
import sys

MUTATIONS = [
    ("startup: DEFAULT_PRODUCER is accepted",
     [("protocol/validate.go", 'DefaultProducerGroup = "DEFAULT_PRODUCER"', 'DefaultProducerGroup = "DEFAULT_PRODUCER_X"')]),
    ("duplicate_groups: a duplicate group registers",
     [("client/instance.go", "\tif _, ok := inst.producers[group]; ok {", "\tif _, ok := inst.producers[group]; ok && false {")]),
    ("route_change: publish info reaches only the producers that already use the topic",
     [("client/instance.go", "\t\tfor _, p := range producers {\n\t\t\tp.setPublishInfo(topic, info)",
       "\t\tfor _, p := range producers {\n\t\t\tif _, uses := p.PublishInfo()[topic]; !uses {\n\t\t\t\tcontinue\n\t\t\t}\n\t\t\tp.setPublishInfo(topic, info)")]),
    ("offline_broker: the client never cleans its broker address table",
     [("client/instance.go", "\t\tif len(kept) == 0 {\n\t\t\tdelete(inst.brokerAddrs, name)",
       "\t\tif len(kept) == 0 && false {\n\t\t\tdelete(inst.brokerAddrs, name)")]),
    ("offline_broker: brokers expire after 150 s (expiry and idle close)",
     [("fakenamesrv/namesrv.go", "DefaultBrokerExpiry = 120 * time.Second", "DefaultBrokerExpiry = 150 * time.Second"),
      ("remoting/options.go", "DefaultIdleTimeout = 120 * time.Second", "DefaultIdleTimeout = 150 * time.Second")]),
    ("timeouts: a send's budget ends 1 s late",
     [("client/send.go", "\td := start.Add(p.cfg.sendTimeout)\n", "\td := start.Add(p.cfg.sendTimeout + time.Second)\n")]),
    ("sending: SYSTEM_BUSY is retried",
     [("client/options.go", "\tremoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError,",
       "\tremoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError, remoting.SystemBusy,")]),
    ("shutdown: no UNREGISTER_CLIENT is sent",
     [("client/instance.go", "\tfor _, t := range inst.brokerTargets(false) {\n\t\tactx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)",
       "\tfor _, t := range inst.brokerTargets(false)[:0] {\n\t\tactx, cancel := context.WithTimeout(ctx, inst.cfg.apiTimeout)")]),
]


def main() -> int:
    uncaught = 0
    for name, edits in MUTATIONS:
        originals = {}
        try:
            for path, old, new in edits:
                src = originals.get(path) or open(path).read()
                originals.setdefault(path, src)
                cur = open(path).read()
                if old not in cur:
                    raise SystemExit(f"{name}: pattern not found in {path}; update this script")
                open(path, "w").write(cur.replace(old, new, 1))
            out = subprocess.run(["go", "test", "-count=1", "./scenarios/"], capture_output=True, text=True).stdout
        finally:
            for path, src in originals.items():
                open(path, "w").write(src)
        failed = sorted(set(re.findall(r"--- FAIL: TestFeatures/(\S+)", out)))
        print(f"{name}\n    caught by {len(failed)}: {', '.join(failed) or 'NOTHING'}")
        uncaught += not failed
    return 1 if uncaught else 0


if __name__ == "__main__":
    sys.exit(main())
