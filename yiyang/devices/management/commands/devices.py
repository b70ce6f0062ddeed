"""``manage.py devices <subcommand>``: the devices app's tools.

- ``ingest``      run the MQTT ingestion worker (until interrupted; a broker that is down is retried)
- ``simulate``    publish realistic readings for N elders at R messages a second (``--seconds S``)
- ``stats``       what running workers have received, stored, found duplicate and rejected (by reason)
- ``partitions``  create the next months' partitions of the readings table, drop expired ones
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Smart-care devices: ingest | simulate | stats | partitions"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="run the MQTT ingestion worker")
        ingest.add_argument("--host", default=None, help="broker host (MQTT_HOST)")
        ingest.add_argument("--port", type=int, default=None, help="broker port (MQTT_PORT)")
        ingest.add_argument("--client-id", default=None, help="fixed client id of the persistent session")
        ingest.add_argument("--stats-every", type=float, default=30.0, help="seconds between stats lines")
        ingest.add_argument("--batch", type=int, default=500, help="readings stored per statement at most")

        sim = sub.add_parser("simulate", help="publish simulated readings to the broker")
        sim.add_argument("--elders", type=int, required=True)
        sim.add_argument("--rate", type=float, required=True, help="messages a second, in total")
        sim.add_argument("--seconds", type=float, default=None, help="stop after this long (default: never)")
        sim.add_argument("--duplicates", type=float, default=0.0, help="share of messages sent twice (0–1)")
        sim.add_argument("--bad", type=float, default=0.0, help="share of broken payloads (0–1)")
        sim.add_argument("--seed", type=int, default=17)
        sim.add_argument("--host", default=None)
        sim.add_argument("--port", type=int, default=None)

        sub.add_parser("stats", help="the running workers' counters")
        sub.add_parser("partitions", help="create next months' partitions, drop expired ones")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"_{opts['action']}")(opts)

    def _ingest(self, opts: dict[str, Any]) -> None:
        from yiyang.devices.services.ingest import TOPIC, Worker

        log = logging.getLogger("yiyang.devices.ingest")
        log.setLevel(logging.INFO)
        if not log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(handler)
            log.propagate = False
        worker = Worker(
            host=opts["host"],
            port=opts["port"],
            client_id=opts["client_id"],
            stats_every=opts["stats_every"],
            batch_size=opts["batch"],
        )
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: worker.stop())
        self.stdout.write(f"devices ingest: {worker.host}:{worker.port} as {worker.client_id}, topic {TOPIC}")
        worker.run()
        self.stdout.write(f"devices ingest stopped: {worker.stats.line()}")

    def _simulate(self, opts: dict[str, Any]) -> None:
        from yiyang.devices.services.simulate import simulate

        if opts["elders"] < 1 or opts["rate"] <= 0:
            raise CommandError("--elders must be at least 1 and --rate above 0")
        try:
            sent = simulate(
                elders=opts["elders"],
                rate=opts["rate"],
                seconds=opts["seconds"],
                duplicates=opts["duplicates"],
                bad=opts["bad"],
                seed=opts["seed"],
                host=opts["host"],
                port=opts["port"],
            )
        except KeyboardInterrupt:
            return
        self.stdout.write(json.dumps(dict(sent), ensure_ascii=False))

    def _stats(self, _opts: dict[str, Any]) -> None:
        files = sorted(Path(settings.VAR_DIR).glob("devices-ingest-*.json"))
        if not files:
            self.stdout.write(
                "no ingestion worker has written stats yet (var/devices-ingest-<client id>.json)"
            )
            return
        for path in files:
            self.stdout.write(json.dumps(json.loads(path.read_text()), ensure_ascii=False, indent=2))

    def _partitions(self, _opts: dict[str, Any]) -> None:
        from yiyang.devices.services.partitions import maintain

        self.stdout.write(json.dumps(maintain(), ensure_ascii=False))
