"""Print a BBOX (EPSG:25832, minx,miny,maxx,maxy) that holds about PERCENT %
of the offers in the bench store: a square around the Düren town centre,
sized by bisection. usage: python bench/bbox.py DATABASE_URL [PERCENT]"""
import sys

import sqlalchemy as sa

url, percent = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
engine = sa.create_engine(url, connect_args={"options": "-c jit=off"})
CENTRE = (322_000.0, 5_629_000.0)  # near Düren, UTM 32N
with engine.connect() as conn:
    total = conn.exec_driver_sql("SELECT count(*) FROM keck_homeless.offer").scalar()
    want = total * percent / 100
    lo, hi = 1.0, 40_000.0
    for _ in range(40):
        half = (lo + hi) / 2
        box = (CENTRE[0] - half, CENTRE[1] - half, CENTRE[0] + half, CENTRE[1] + half)
        n = conn.execute(sa.text(
            "SELECT count(*) FROM keck_homeless.offer WHERE geom_utm && "
            "ST_MakeEnvelope(:a, :b, :c, :d, 25832)"),
            dict(a=box[0], b=box[1], c=box[2], d=box[3])).scalar()
        if n < want:
            lo = half
        else:
            hi = half
print(",".join(f"{v:.0f}" for v in box), n, total)
