"""Run the contract suites against any server:

    python -m tests.contract --base-url https://portal.example [--suite georeport|feed|all]
        [--open311-prefix /open311/v2] [--api-key KEY --service-code CODE [--attribute CODE=VALUE ...]]

Prints a report and exits 1 when a check fails. With --api-key the GeoReport suite also files one real
request (POST) under --service-code."""

import argparse
import asyncio
import sys

import httpx

from tests.contract import feed_mirror, georeport


async def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.contract", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", required=True)
    p.add_argument("--suite", choices=["georeport", "feed", "all"], default="all")
    p.add_argument("--open311-prefix", default="/open311/v2")
    p.add_argument("--api-key")
    p.add_argument("--service-code")
    p.add_argument("--attribute", action="append", default=[], metavar="CODE=VALUE")
    args = p.parse_args(argv)
    attributes = dict(a.split("=", 1) for a in args.attribute)
    ok = True
    async with httpx.AsyncClient(base_url=args.base_url, timeout=30) as http:
        if args.suite in ("georeport", "all"):
            report = await georeport.run(http, prefix=args.open311_prefix, api_key=args.api_key,
                                         service_code=args.service_code, attributes=attributes)
            print(report.text())
            ok &= report.ok
        if args.suite in ("feed", "all"):
            report = await feed_mirror.run(http)
            print(report.text())
            ok &= report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
