-- Fills the access log of a national instance with 100,000 synthetic page reads of 10 persons
-- each by random staff over the last 90 days (about 1,000,000 rows), for measuring the log's
-- pages at scale: psql -d inntak_seed -f tools/access_log_load.sql, then
-- python manage.py shell < tools/time_access_log.py (README, Benchmarks).
-- The log is append-only: only a throwaway database should be loaded like this.
BEGIN;
CREATE TEMP TABLE bounds AS SELECT min(id) lo, max(id) hi FROM intake_person;
CREATE TEMP TABLE staff AS
    SELECT row_number() OVER () n, id, username, first_name || ' ' || last_name AS name
    FROM org_user;
WITH e AS (
    INSERT INTO audit_accessevent
        (at, actor_id, actor_username, actor_name, kind, what, path, method, address, detail,
         person_count)
    SELECT now() - random() * interval '90 days', s.id, s.username, s.name, 'SIDE',
           'person-detail', '/brukere/x/', 'GET', '10.0.0.1', '', 10
    FROM (SELECT g, 1 + floor(random() * (SELECT count(*) FROM staff))::int AS n
          FROM generate_series(1, 100000) g) r
    JOIN staff s ON s.n = r.n
    RETURNING id
)
INSERT INTO audit_accessedperson (event_id, person_id)
SELECT DISTINCT e.id, b.lo + floor(random() * (b.hi - b.lo + 1))::bigint
FROM e, bounds b, generate_series(1, 10);
COMMIT;
ANALYZE audit_accessevent;
ANALYZE audit_accessedperson;
