"""The database side of `deskctl.access` (schema migration 5): the accounts and role
permissions `deskctl store grant` copies from the desk config, and the checks PostgreSQL
itself makes for a login that is a deskctl account, so that `psql` as that login cannot do
what deskctl refuses:

- row-level security on tickets: the account's `read` scope (own, group, all);
- a trigger on tickets: the history is append-only, every new event is the login's account's
  and needs the permission of its action within its scope; nothing changes unrecorded;
- a trigger on announcements: approvals are append-only, each by the login's account with
  `approve-announcement:SEVERITY`; approving or publishing needs its permission;
- a trigger on the audit head: it only moves forward, to the record just appended (and the
  member role gets no UPDATE or DELETE on the audit log at all).

A login that is no account (the database owner running `store migrate`) is not bound by
these checks: it owns the tables anyway.
"""

ACCESS = r"""
CREATE TABLE deskctl_accounts (
    db_role text PRIMARY KEY,
    account text NOT NULL,
    roles text[] NOT NULL DEFAULT '{}',
    groups text[] NOT NULL DEFAULT '{}',
    email text NOT NULL DEFAULT ''
);
CREATE TABLE deskctl_role_permissions (
    role text NOT NULL,
    permission text NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE FUNCTION deskctl_me() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT account FROM deskctl_accounts WHERE db_role = current_user $$;

-- `update:*` grants `update:priority` (a permission's `*` is any text; its `@scope` is apart)
CREATE FUNCTION deskctl_grants(permission text, operation text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT split_part(permission, '@', 1) = '*' OR operation LIKE
        replace(replace(replace(replace(split_part(permission, '@', 1), '\', '\\'), '%', '\%'), '_', '\_'), '*', '%')
$$;

-- the widest scope in which the login's account may do `operation`: all, group, own; NULL: not at all
CREATE FUNCTION deskctl_scope(operation text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE max(CASE COALESCE(NULLIF(split_part(p.permission, '@', 2), ''), 'all')
                    WHEN 'all' THEN 3 WHEN 'group' THEN 2 WHEN 'own' THEN 1 END)
           WHEN 3 THEN 'all' WHEN 2 THEN 'group' WHEN 1 THEN 'own' END
    FROM deskctl_accounts a JOIN deskctl_role_permissions p ON p.role = ANY (a.roles)
    WHERE a.db_role = current_user AND deskctl_grants(p.permission, operation)
$$;

CREATE FUNCTION deskctl_in_scope(scope text, grp text, requester jsonb, assignee text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN scope IS NULL THEN false WHEN scope = 'all' THEN true ELSE EXISTS (
        SELECT 1 FROM deskctl_accounts a WHERE a.db_role = current_user AND (
            lower(COALESCE(requester->>'email', '')) IN (lower(a.account), lower(NULLIF(a.email, '')))
            OR lower(COALESCE(requester->>'name', '')) IN (lower(a.account), lower(NULLIF(a.email, '')))
            OR lower(COALESCE(assignee, '')) IN (lower(a.account), lower(NULLIF(a.email, '')))
            OR (scope = 'group' AND grp = ANY (a.groups)))) END
$$;

ALTER TABLE tickets ENABLE ROW LEVEL SECURITY;
CREATE POLICY deskctl_read_scope ON tickets
    USING (deskctl_me() IS NULL OR deskctl_in_scope(deskctl_scope('read'), grp, doc->'requester', assignee))
    WITH CHECK (true);

-- the permissions one history event needs (as deskctl.tickets.operations asks them)
CREATE FUNCTION deskctl_event_permissions(e jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN e->>'actor' IN ('sweep', 'deskctl') THEN ARRAY['sweep']
        WHEN e->>'actor' LIKE 'rule:%' THEN ARRAY['create']
        WHEN e->>'action' IN ('created', 'seen-again') THEN ARRAY['create']
        WHEN e->>'action' = 'update' THEN COALESCE(
            (SELECT array_agg('update:' || k) FROM jsonb_object_keys(COALESCE(e->'changes', '{}')) AS k),
            ARRAY['update:*'])
        WHEN e->>'action' = 'close' AND (e->'changes'->'confirmed'->>1) = 'true' THEN ARRAY['close-confirmed']
        WHEN e->>'action' = 'resume' THEN ARRAY['start']
        WHEN e->>'action' IN ('assign', 'start', 'pend', 'escalate', 'comment', 'resolve', 'close', 'reopen',
                              'link', 'attach', 'survey') THEN ARRAY[e->>'action']
        ELSE ARRAY['comment']  -- everything else deskctl records (a runbook run, a mail) is an event
    END
$$;

-- INSERT ... ON CONFLICT DO UPDATE fires the BEFORE INSERT trigger for a row that exists: the
-- UPDATE trigger then checks the change (existence seen past row-level security)
CREATE FUNCTION deskctl_row_exists(tbl text, row_id text) RETURNS boolean LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = public AS $$
DECLARE
    found boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', tbl) INTO found USING row_id;
    RETURN found;
END
$$;

CREATE FUNCTION deskctl_guard_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me text := deskctl_me();
    old_n integer := 0;
    new_n integer;
    e jsonb;
    needed text;
BEGIN
    IF me IS NULL OR (TG_OP = 'INSERT' AND deskctl_row_exists('tickets', NEW.id)) THEN
        RETURN NEW;
    END IF;
    new_n := jsonb_array_length(COALESCE(NEW.doc->'history', '[]'));
    IF TG_OP = 'UPDATE' THEN
        IF NEW.archived IS DISTINCT FROM OLD.archived AND (NEW.doc - 'archived') = (OLD.doc - 'archived')
                AND deskctl_scope('store:archive') IS NOT NULL THEN
            RETURN NEW;  -- archiving moves a closed ticket, its record unchanged
        END IF;
        IF NEW.doc IS NOT DISTINCT FROM OLD.doc THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('%s may not change %s without recording it in its history', me, NEW.id);
        END IF;
        old_n := jsonb_array_length(COALESCE(OLD.doc->'history', '[]'));
        FOR i IN 0 .. old_n - 1 LOOP
            IF (NEW.doc->'history'->i) IS DISTINCT FROM (OLD.doc->'history'->i) THEN
                RAISE EXCEPTION USING ERRCODE = '42501',
                    MESSAGE = format('the history of %s is append-only: event %s was changed or removed', NEW.id, i + 1);
            END IF;
        END LOOP;
    END IF;
    IF new_n <= old_n THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('%s may not change %s without recording it in its history', me, NEW.id);
    END IF;
    FOR i IN old_n .. new_n - 1 LOOP
        e := NEW.doc->'history'->i;
        IF e->>'actor' IS DISTINCT FROM me AND e->>'actor' NOT IN ('sweep', 'deskctl') AND e->>'actor' NOT LIKE 'rule:%' THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('event %s of %s names %s as its actor, not the login''s account %s',
                                 i + 1, NEW.id, e->>'actor', me);
        END IF;
        FOREACH needed IN ARRAY deskctl_event_permissions(e) LOOP
            IF NOT deskctl_in_scope(deskctl_scope(needed),
                                    CASE WHEN TG_OP = 'UPDATE' THEN OLD.grp ELSE NEW.grp END,
                                    CASE WHEN TG_OP = 'UPDATE' THEN OLD.doc->'requester' ELSE NEW.doc->'requester' END,
                                    CASE WHEN TG_OP = 'UPDATE' THEN OLD.assignee ELSE NEW.assignee END) THEN
                RAISE EXCEPTION USING ERRCODE = '42501',
                    MESSAGE = format('%s lacks the permission %s for %s', me, needed, NEW.id);
            END IF;
        END LOOP;
    END LOOP;
    RETURN NEW;
END
$$;
CREATE TRIGGER deskctl_guard_ticket BEFORE INSERT OR UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION deskctl_guard_ticket();

CREATE FUNCTION deskctl_guard_announcement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me text := deskctl_me();
    severity text := COALESCE(NEW.doc->'versions'->-1->'fields'->>'severity', 'minor');
    old_n integer := 0;
    new_n integer := jsonb_array_length(COALESCE(NEW.doc->'approvals', '[]'));
    a jsonb;
BEGIN
    IF me IS NULL OR (TG_OP = 'INSERT' AND deskctl_row_exists('announcements', NEW.id)) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        old_n := jsonb_array_length(COALESCE(OLD.doc->'approvals', '[]'));
        FOR i IN 0 .. old_n - 1 LOOP
            IF (NEW.doc->'approvals'->i) IS DISTINCT FROM (OLD.doc->'approvals'->i) THEN
                RAISE EXCEPTION USING ERRCODE = '42501',
                    MESSAGE = format('the approvals of %s are append-only', NEW.id);
            END IF;
        END LOOP;
    END IF;
    FOR i IN old_n .. new_n - 1 LOOP
        a := NEW.doc->'approvals'->i;
        IF a->>'actor' IS DISTINCT FROM me THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('an approval of %s names %s, not the login''s account %s', NEW.id, a->>'actor', me);
        END IF;
        IF deskctl_scope('approve-announcement:' || severity) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('%s lacks the permission approve-announcement:%s for %s', me, severity, NEW.id);
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND NEW.doc->>'status' IS DISTINCT FROM OLD.doc->>'status' THEN
        IF NEW.doc->>'status' = 'approved' AND deskctl_scope('approve-announcement:' || severity) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '42501',
                MESSAGE = format('%s lacks the permission approve-announcement:%s for %s', me, severity, NEW.id);
        END IF;
    END IF;
    IF new_n = old_n AND deskctl_scope('announce') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format('%s lacks the permission announce', me);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER deskctl_guard_announcement BEFORE INSERT OR UPDATE ON announcements
    FOR EACH ROW EXECUTE FUNCTION deskctl_guard_announcement();

-- the audit head moves forward only, to the record just appended (for every login)
CREATE FUNCTION deskctl_guard_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> OLD.seq + 1 OR NEW.hash IS DISTINCT FROM
            (SELECT record->>'hash' FROM audit_log WHERE seq = NEW.seq) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'the audit head only moves to the record appended after it';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER deskctl_guard_audit_head BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION deskctl_guard_audit_head();
"""

# Internal comments: their texts live apart (deskctl.store.postgres.tickets.seal), so that a
# login sees those of the tickets within its read-internal scope only; the documents keep
# the events, each marked sealed. Existing documents are moved over here.
INTERNAL = r"""
CREATE TABLE ticket_internal (
    ticket_id text NOT NULL,
    n integer NOT NULL,
    note text NOT NULL,
    PRIMARY KEY (ticket_id, n)
);
INSERT INTO ticket_internal (ticket_id, n, note)
    SELECT t.id, (e->>'n')::integer, COALESCE(e->>'note', '')
    FROM tickets t, jsonb_array_elements(t.doc->'history') AS e
    WHERE e->>'internal' = 'true' AND e->>'sealed' IS NULL
    ON CONFLICT DO NOTHING;
UPDATE tickets SET doc = jsonb_set(doc, '{history}', (
        SELECT jsonb_agg(CASE WHEN e->>'internal' = 'true' THEN e || '{"note": "", "sealed": true}'::jsonb ELSE e END
                         ORDER BY ord)
        FROM jsonb_array_elements(doc->'history') WITH ORDINALITY AS h(e, ord)))
    WHERE doc->'history' @> '[{"internal": true}]';

ALTER TABLE ticket_internal ENABLE ROW LEVEL SECURITY;
CREATE POLICY deskctl_internal_scope ON ticket_internal
    USING (deskctl_me() IS NULL OR EXISTS (
        SELECT 1 FROM tickets t WHERE t.id = ticket_id
        AND deskctl_in_scope(deskctl_scope('read-internal'), t.grp, t.doc->'requester', t.assignee)))
    WITH CHECK (true);
"""
