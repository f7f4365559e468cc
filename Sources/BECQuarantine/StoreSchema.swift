/// The versioned schema of both SQL stores. Each migration runs once, in order, inside a
/// transaction, and is recorded in `schema_migrations`; opening a store applies the missing ones.
/// Never edit a shipped migration: add the next version.
enum StoreSchema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let sqlite: [String]
        let postgres: [String]
    }

    static var latest: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "quarantine, audit and users tables", sqlite: [
            """
            CREATE TABLE quarantine (
              id TEXT PRIMARY KEY NOT NULL, received_at REAL NOT NULL, status TEXT NOT NULL, action TEXT NOT NULL,
              score REAL NOT NULL, queue_id TEXT, host TEXT NOT NULL, mail_from TEXT, rcpts TEXT NOT NULL,
              from_header TEXT NOT NULL, subject TEXT NOT NULL, message_id TEXT, symbols TEXT NOT NULL,
              evidence TEXT NOT NULL, envelope_json TEXT NOT NULL, verdict_json TEXT NOT NULL,
              size INTEGER NOT NULL, raw BLOB NOT NULL)
            """,
            """
            CREATE TABLE audit (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              message_id TEXT NOT NULL REFERENCES quarantine(id) ON DELETE CASCADE,
              at REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,
              from_status TEXT, to_status TEXT)
            """,
            "CREATE TABLE users (name TEXT PRIMARY KEY NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at REAL NOT NULL)",
        ], postgres: [
            """
            CREATE TABLE quarantine (
              id text PRIMARY KEY, received_at timestamptz NOT NULL, status text NOT NULL, action text NOT NULL,
              score double precision NOT NULL, queue_id text, host text NOT NULL, mail_from text, rcpts text NOT NULL,
              from_header text NOT NULL, subject text NOT NULL, message_id text, symbols text NOT NULL,
              evidence text NOT NULL, envelope_json jsonb NOT NULL, verdict_json jsonb NOT NULL,
              size bigint NOT NULL, raw bytea NOT NULL)
            """,
            """
            CREATE TABLE audit (
              seq bigserial PRIMARY KEY,
              message_id text NOT NULL REFERENCES quarantine(id) ON DELETE CASCADE,
              at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL, detail text NOT NULL,
              from_status text, to_status text)
            """,
            "CREATE TABLE users (name text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL, created_at timestamptz NOT NULL)",
        ]),
        Migration(version: 2, name: "indexes; audit entries append-only", sqlite: [
            "CREATE INDEX quarantine_received ON quarantine(received_at, id)",
            "CREATE INDEX quarantine_status ON quarantine(status, received_at)",
            "CREATE INDEX quarantine_queue_id ON quarantine(queue_id)",
            "CREATE INDEX audit_message ON audit(message_id, seq)",
            // Why: the trail is evidence; only retention (deleting the whole record) may remove entries.
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
            """
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            WHEN EXISTS (SELECT 1 FROM quarantine WHERE id = OLD.message_id)
            BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
            """,
        ], postgres: [
            "CREATE INDEX quarantine_received ON quarantine(received_at, id)",
            "CREATE INDEX quarantine_status ON quarantine(status, received_at)",
            "CREATE INDEX quarantine_queue_id ON quarantine(queue_id)",
            "CREATE INDEX audit_message ON audit(message_id, seq)",
            """
            CREATE FUNCTION bec_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'UPDATE' OR EXISTS (SELECT 1 FROM quarantine WHERE id = OLD.message_id) THEN
                RAISE EXCEPTION 'audit entries are append-only';
              END IF;
              RETURN OLD;
            END $$
            """,
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION bec_audit_append_only()",
        ]),
    ]
}
