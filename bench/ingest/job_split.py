"""Reads GET /api/v1/jobs/{id} on stdin and the upload's start (epoch seconds) as argv[1]; prints the seconds from
the start of the upload to the job's completed_at, and on stderr where the time went."""
import json
import sys
from datetime import datetime

job = json.load(sys.stdin)
start = float(sys.argv[1])


def at(key):
    return datetime.fromisoformat(job[key].replace("Z", "+00:00")).timestamp()


print(f"job {job['id']}: {job['status']}, {job['records_processed']} rows: upload {at('created_at') - start:.2f}s, "
      f"queued {at('started_at') - at('created_at'):.2f}s, ran {at('completed_at') - at('started_at'):.2f}s", file=sys.stderr)
print(f"{at('completed_at') - start:.2f}")
