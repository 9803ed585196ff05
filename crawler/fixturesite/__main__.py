"""`python -m crawler.fixturesite [--extra N]`: serve the fixture sites until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from crawler.fixturesite.jobfile import job_toml
from crawler.fixturesite.server import start_sites


def main() -> None:
    """Start the sites, print their URLs and the job file, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m crawler.fixturesite", description=__doc__)
    parser.add_argument("--extra", type=int, default=0, help="generated benchmark articles (/bench-sitemap.xml)")
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="delay of the slow page")
    parser.add_argument("--print-job", action="store_true", help="also print the job file for these sites")
    args = parser.parse_args()
    # Ctrl-C may arrive while the banner is still printing: it stops the sites cleanly wherever it lands.
    try:
        with start_sites(extra_articles=args.extra, slow_seconds=args.slow_seconds) as sites:
            print(f"site A (La Gaceta / The Gazette): {sites.a}/")
            print(f"site B (Diario del Caribe):       {sites.b}/")
            print(f"offsite (must never be crawled):  {sites.offsite}/")
            print(f"feeds: {sites.a}/feed.rss {sites.a}/atom.xml {sites.b}/feed.xml; sitemap: {sites.a}/sitemap.xml")
            if args.extra:
                print(f"benchmark sitemap: {sites.a}/bench-sitemap.xml ({args.extra} pages)")
            if args.print_job:
                print(job_toml(sites))
            print("Ctrl-C stops.", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
