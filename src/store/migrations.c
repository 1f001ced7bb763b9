/*
 * The schema, as an ordered list of migrations. Never edit a migration that
 * has shipped: append a new one. PRAGMA user_version counts those applied.
 *
 * Conventions: instants are ISO 8601 UTC text ("YYYY-MM-DDTHH:MM:SSZ"),
 * dates "YYYY-MM-DD"; booleans are 0/1 integers; rows made by the demo
 * generator carry synthetic = 1.
 */

#include "store/outcome_rows.h"

/* The observation table's columns around the timepoint's CHECK (the same
 * in the first schema and in its rebuild): items is a JSON array of item
 * responses (null: not answered), total is computed by the instrument's
 * scoring rule. */
#define OBSERVATION_COLUMNS_BEFORE_CHECK                                     \
    "  id INTEGER PRIMARY KEY,"                                              \
    "  episode_id INTEGER NOT NULL REFERENCES episode(id),"                  \
    "  session_id INTEGER REFERENCES session(id),"                           \
    "  instrument TEXT NOT NULL,"                                            \
    "  timepoint TEXT NOT NULL"
#define OBSERVATION_COLUMNS_AFTER_CHECK                                      \
    "  observed_at TEXT NOT NULL,"                                           \
    "  items TEXT,"                                                          \
    "  total REAL NOT NULL,"                                                 \
    "  created_at TEXT NOT NULL"                                             \
    ");"

/* Trigger bodies: add the compact row of r (refusing values out of its
 * ranges: the bitwise or of the factors is out of 0 to 2^21 - 1 exactly
 * when one of them is, and the factors matter only when all are
 * recorded) and raise its group's generation; remove it and raise it. */
#define OUTCOME_ROW_ADD(r)                                                   \
    "SELECT RAISE(ABORT, '" OUTCOME_ROW_RANGE_MESSAGE "') WHERE"             \
    OUTCOME_ROW_OUT_OF_RANGE(r) ";"                                          \
    "INSERT INTO outcome_group (protocol_id, instrument) VALUES ("           \
    r ".protocol_id, " r ".instrument) ON CONFLICT (protocol_id,"            \
    " instrument) DO UPDATE SET generation = generation + 1;"                \
    "INSERT INTO outcome_row VALUES ((SELECT id FROM outcome_group"          \
    " WHERE protocol_id = " r ".protocol_id AND instrument = " r             \
    ".instrument), " r ".practitioner_id, " r ".episode_id,"                 \
    OUTCOME_ROW_CODE(r) ", " r ".improvement, " r ".baseline,"               \
    OUTCOME_ROW_RISK(r) ");"
#define OUTCOME_ROW_REMOVE(r)                                                \
    "UPDATE outcome_group SET generation = generation + 1 WHERE"             \
    " protocol_id = " r ".protocol_id AND instrument = " r ".instrument;"    \
    "DELETE FROM outcome_row WHERE group_id = (SELECT id FROM outcome_group" \
    " WHERE protocol_id = " r ".protocol_id AND instrument = " r             \
    ".instrument) AND practitioner_id = " r ".practitioner_id AND"           \
    " episode_id = " r ".episode_id;"

const char *const store_migrations[] = {
    /* 1: the clinical record, users, sessions and the audit log. */
    "CREATE TABLE clinic ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  name TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  synthetic INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE practitioner ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  license TEXT NOT NULL,"
    "  credentials TEXT NOT NULL,"
    "  email TEXT,"
    "  npi TEXT,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  synthetic INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE training ("
    "  id INTEGER PRIMARY KEY,"
    "  practitioner_id INTEGER NOT NULL REFERENCES practitioner(id),"
    "  protocol_id TEXT NOT NULL,"
    "  hours REAL NOT NULL CHECK (hours > 0),"
    "  completed_on TEXT NOT NULL,"
    "  provider TEXT,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE INDEX training_by_practitioner ON training(practitioner_id);"
    "CREATE TABLE patient ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  birth_date TEXT NOT NULL,"
    "  sex TEXT NOT NULL"
    "    CHECK (sex IN ('female', 'male', 'other', 'unknown')),"
    "  zip TEXT,"
    "  phone TEXT,"
    "  email TEXT,"
    "  consent_treatment INTEGER NOT NULL DEFAULT 0,"
    "  consent_research INTEGER NOT NULL DEFAULT 0,"
    "  created_by_practitioner INTEGER REFERENCES practitioner(id),"
    "  synthetic INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE referral ("
    "  id INTEGER PRIMARY KEY,"
    "  patient_id INTEGER NOT NULL REFERENCES patient(id),"
    "  physician_name TEXT NOT NULL,"
    "  physician_specialty TEXT NOT NULL,"
    "  physician_npi TEXT,"
    "  reason TEXT NOT NULL,"
    "  icd10 TEXT NOT NULL," /* comma-separated, validated codes */
    "  referred_on TEXT NOT NULL,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE INDEX referral_by_patient ON referral(patient_id);"
    "CREATE TABLE episode ("
    "  id INTEGER PRIMARY KEY,"
    "  patient_id INTEGER NOT NULL REFERENCES patient(id),"
    "  practitioner_id INTEGER NOT NULL REFERENCES practitioner(id),"
    "  protocol_id TEXT NOT NULL,"
    "  icd10 TEXT NOT NULL,"
    "  referral_id INTEGER REFERENCES referral(id),"
    "  started_on TEXT NOT NULL,"
    "  ended_on TEXT,"
    "  chronicity_weeks INTEGER CHECK (chronicity_weeks >= 0),"
    "  comorbidities INTEGER CHECK (comorbidities >= 0),"
    "  created_at TEXT NOT NULL,"
    "  CHECK (ended_on IS NULL OR ended_on >= started_on)"
    ");"
    "CREATE INDEX episode_by_patient ON episode(patient_id);"
    "CREATE INDEX episode_by_practitioner ON episode(practitioner_id);"
    "CREATE TABLE session ("
    "  id INTEGER PRIMARY KEY,"
    "  episode_id INTEGER NOT NULL REFERENCES episode(id),"
    "  started_at TEXT NOT NULL,"
    "  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),"
    "  note TEXT,"
    "  subjective TEXT,"
    "  objective TEXT,"
    "  assessment TEXT,"
    "  plan TEXT,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE INDEX session_by_episode ON session(episode_id, started_at);"
    "CREATE TABLE session_phase ("
    "  session_id INTEGER NOT NULL REFERENCES session(id),"
    "  position INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 600),"
    "  PRIMARY KEY (session_id, position)"
    ");"
    "CREATE TABLE observation ("
    OBSERVATION_COLUMNS_BEFORE_CHECK
    "    CHECK (timepoint IN ('baseline', 'pre', 'post', 'followup')),"
    OBSERVATION_COLUMNS_AFTER_CHECK
    "CREATE INDEX observation_by_episode"
    "  ON observation(episode_id, instrument, observed_at);"
    "CREATE TABLE user ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'therapist', 'researcher')),"
    "  practitioner_id INTEGER REFERENCES practitioner(id),"
    "  password_hash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE web_session ("
    "  token_hash TEXT PRIMARY KEY," /* SHA-256 of the cookie token, hex */
    "  user_id INTEGER NOT NULL REFERENCES user(id),"
    "  csrf_token TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  last_seen_at TEXT NOT NULL"
    ");"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  user_id INTEGER," /* NULL: the local command line */
    "  actor TEXT NOT NULL," /* 'cli', or the user's email */
    "  action TEXT NOT NULL," /* read, create, update, ... */
    "  record_type TEXT NOT NULL,"
    "  record_id INTEGER,"
    "  patient_id INTEGER,"
    "  outcome TEXT NOT NULL,"
    "  client TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ");"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;",
    /* 2: the clinic's Ed25519 public key, which verifies its certificates
     * (base64 of 32 bytes). The secret key never enters the database: it
     * is a file beside it, "<db path>.key" (src/record/clinic_key.h). */
    "CREATE TABLE clinic_key ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  public_key TEXT NOT NULL CHECK (length(public_key) = 44),"
    "  created_at TEXT NOT NULL"
    ");",
    /* 3: the record's clinical refusals (scope of practice, red flags) and
     * the fidelity findings about a session's phases. */
    "CREATE TABLE episode_refusal ("
    "  id INTEGER PRIMARY KEY,"
    "  patient_id INTEGER NOT NULL REFERENCES patient(id),"
    "  practitioner_id INTEGER NOT NULL REFERENCES practitioner(id),"
    "  protocol_id TEXT NOT NULL,"
    "  reason TEXT NOT NULL CHECK (reason IN ('scope', 'red-flag')),"
    "  detail TEXT NOT NULL," /* the flag's id, or the missing training */
    "  note TEXT NOT NULL,"   /* the note given to the patient's file */
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE INDEX episode_refusal_by_patient ON episode_refusal(patient_id);"
    "CREATE TABLE session_finding ("
    "  session_id INTEGER NOT NULL REFERENCES session(id),"
    "  position INTEGER NOT NULL,"
    "  code TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  PRIMARY KEY (session_id, position)"
    ");",
    /* 4: failed web logins, counted per account email and per client
     * address so that every server thread throttles alike. */
    "CREATE TABLE login_failure ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL COLLATE NOCASE,"
    "  client TEXT NOT NULL,"
    "  at TEXT NOT NULL"
    ");"
    "CREATE INDEX login_failure_by_email ON login_failure(email, at);"
    "CREATE INDEX login_failure_by_client ON login_failure(client, at);"
    "CREATE INDEX web_session_by_user ON web_session(user_id);",
    /* 5: outcomes. One summary row per episode x instrument (the protocol's
     * primary and secondary instruments and any other measured), kept up
     * to date by the record layer in the transaction of each observation
     * and discharge (src/record/summary.h); reports read these rows, never
     * the observations. Clustered by cell so that a benchmark is one
     * sequential scan. The designation thresholds with their defaults
     * (docs/outcomes.md), and the stable anonymous labels of practitioners
     * in peer reports. */
    "CREATE TABLE episode_summary ("
    "  protocol_id TEXT NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  practitioner_id INTEGER NOT NULL REFERENCES practitioner(id),"
    "  episode_id INTEGER NOT NULL REFERENCES episode(id),"
    "  role TEXT NOT NULL CHECK (role IN ('primary', 'secondary', 'other')),"
    "  started_on TEXT NOT NULL,"
    "  ended_on TEXT,"
    "  sessions INTEGER NOT NULL CHECK (sessions >= 0),"
    "  baseline REAL,"
    "  discharge REAL,"
    "  followup REAL,"
    "  followup_days INTEGER,"
    "  improvement REAL," /* oriented: positive is better */
    "  responder INTEGER CHECK (responder IN (0, 1))," /* NULL: no MCID */
    "  sessions_to_response INTEGER," /* event or censoring time */
    "  response_event INTEGER CHECK (response_event IN (0, 1)),"
    "  sustained INTEGER CHECK (sustained IN (0, 1)),"
    "  has_followup INTEGER NOT NULL CHECK (has_followup IN (0, 1)),"
    "  complete INTEGER NOT NULL CHECK (complete IN (0, 1)),"
    "  incomplete_reason TEXT CHECK (incomplete_reason IN ('open',"
    "    'no_baseline', 'no_discharge', 'unknown_instrument')),"
    "  age_years INTEGER,"
    "  sex TEXT NOT NULL,"
    "  chronicity_weeks INTEGER,"
    "  comorbidities INTEGER,"
    "  CHECK ((complete = 1) = (incomplete_reason IS NULL)),"
    "  PRIMARY KEY (protocol_id, instrument, practitioner_id, episode_id)"
    ") WITHOUT ROWID;"
    "CREATE UNIQUE INDEX episode_summary_by_episode"
    "  ON episode_summary(episode_id, instrument);"
    "CREATE INDEX episode_summary_by_practitioner"
    "  ON episode_summary(practitioner_id);"
    "CREATE TABLE designation_threshold ("
    "  name TEXT PRIMARY KEY,"
    "  value REAL NOT NULL,"
    "  updated_at TEXT" /* NULL: the default since the schema */
    ");"
    "INSERT INTO designation_threshold (name, value) VALUES"
    "  ('min_episodes', 20), ('responder_lower_bound', 0.5),"
    "  ('sustained_rate', 0.7), ('followup_coverage', 0.5),"
    "  ('model_min_per_predictor', 10);"
    "CREATE TABLE practitioner_label ("
    "  practitioner_id INTEGER PRIMARY KEY REFERENCES practitioner(id),"
    "  label TEXT NOT NULL UNIQUE"
    ");",
    /* 6: patients' identifiers in other systems (an EHR's medical record
     * number, ...), by which an imported FHIR Patient is matched to the
     * patient already in the record (src/documents/fhir.h). */
    "CREATE TABLE patient_identifier ("
    "  id INTEGER PRIMARY KEY,"
    "  patient_id INTEGER NOT NULL REFERENCES patient(id),"
    "  system TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  UNIQUE (system, value)"
    ");"
    "CREATE INDEX patient_identifier_by_patient"
    "  ON patient_identifier(patient_id);",
    /* 7: outcome reports at registry scale (docs/outcomes.md, "Speed").
     * outcome_group interns each protocol x instrument to a small id and
     * carries a generation, raised by every change of its summaries.
     * outcome_row is the compact copy of each summary row that the
     * benchmark pass reads: clustered by (group, practitioner, episode)
     * like the summary, with every flag in one integer `code` (bits 0-2
     * the reason: 0 complete, 1 unknown_instrument, 2 open, 3 no_baseline,
     * 4 no_discharge; 3-4 responder + 1, 5-6 response_event + 1, 7-8
     * sustained + 1, each 0 when NULL; 9 has_followup; 10-11 sex: 0
     * female, 1 male, 2 other, 3 anything else; 12 every risk factor
     * recorded; 16 and up sessions_to_response + 1, 0 when NULL), and the
     * risk factors in one integer `risk` (age_years | chronicity_weeks <<
     * 21 | comorbidities << 42, NULL when one is missing).
     * Triggers keep both in step with episode_summary, whoever writes it,
     * and refuse a value out of those ranges; summary rows are replaced
     * (deleted and inserted), never updated. outcome_model caches each
     * group's fitted registry model (docs/outcomes.md), valid while its
     * generation, version and min_per_predictor match. */
    "CREATE TABLE outcome_group ("
    "  id INTEGER PRIMARY KEY,"
    "  protocol_id TEXT NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  generation INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (protocol_id, instrument)"
    ");"
    "CREATE TABLE outcome_row ("
    "  group_id INTEGER NOT NULL,"
    "  practitioner_id INTEGER NOT NULL,"
    "  episode_id INTEGER NOT NULL,"
    "  code INTEGER NOT NULL,"
    "  improvement REAL,"
    "  baseline REAL,"
    "  risk INTEGER,"
    "  PRIMARY KEY (group_id, practitioner_id, episode_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE outcome_model ("
    "  group_id INTEGER PRIMARY KEY REFERENCES outcome_group(id),"
    "  generation INTEGER NOT NULL," /* the group's, when fitted */
    "  version INTEGER NOT NULL,"    /* of the program's definitions */
    "  min_per_predictor REAL NOT NULL,"
    "  fitted_at TEXT NOT NULL,"
    "  model TEXT NOT NULL"          /* JSON: every number of the model */
    ");"
    "INSERT INTO outcome_group (protocol_id, instrument)"
    "  SELECT DISTINCT protocol_id, instrument FROM episode_summary"
    "  ORDER BY protocol_id, instrument;"
    "INSERT INTO outcome_row (group_id, practitioner_id, episode_id, code,"
    "  improvement, baseline, risk)"
    "  SELECT g.id, s.practitioner_id, s.episode_id,"
    OUTCOME_ROW_CODE("s") ", s.improvement, s.baseline, "
    OUTCOME_ROW_RISK("s")
    "  FROM episode_summary s JOIN outcome_group g"
    "  ON g.protocol_id = s.protocol_id AND g.instrument = s.instrument;"
    "CREATE TRIGGER episode_summary_insert AFTER INSERT ON episode_summary"
    " BEGIN " OUTCOME_ROW_ADD("new") " END;"
    "CREATE TRIGGER episode_summary_delete AFTER DELETE ON episode_summary"
    " BEGIN " OUTCOME_ROW_REMOVE("old") " END;"
    "CREATE TRIGGER episode_summary_update BEFORE UPDATE ON episode_summary"
    " BEGIN SELECT RAISE(ABORT, 'episode_summary rows are replaced, not"
    " updated'); END;",
    /* 8: faster inserts of observations (bulk import, the registry
     * generator). SQLite evaluates a CHECK with an IN list of more than
     * two values by building a temporary b-tree at every insert; the
     * timepoint check becomes the same test written as comparisons. The
     * table is rebuilt with the same columns, rows and index (nothing
     * refers to it). */
    "CREATE TABLE observation_rebuilt ("
    OBSERVATION_COLUMNS_BEFORE_CHECK
    "    CHECK (timepoint = 'baseline' OR timepoint = 'pre'"
    "      OR timepoint = 'post' OR timepoint = 'followup'),"
    OBSERVATION_COLUMNS_AFTER_CHECK
    "INSERT INTO observation_rebuilt (id, episode_id, session_id, instrument,"
    "  timepoint, observed_at, items, total, created_at)"
    "  SELECT id, episode_id, session_id, instrument, timepoint, observed_at,"
    "  items, total, created_at FROM observation;"
    "DROP TABLE observation;"
    "ALTER TABLE observation_rebuilt RENAME TO observation;"
    "CREATE INDEX observation_by_episode"
    "  ON observation(episode_id, instrument, observed_at);",
    /* 9: the register of issued certificates: every signed document as
     * issued, and its revocation. Rows are never deleted; the only change
     * a row takes is its revocation, once. */
    "CREATE TABLE certificate ("
    "  id TEXT PRIMARY KEY," /* the claims' id */
    "  practitioner_id INTEGER NOT NULL REFERENCES practitioner(id),"
    "  protocol_id TEXT NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  designation TEXT NOT NULL"
    "    CHECK (designation = 'reproducible' OR designation = 'advanced'),"
    "  issued_at TEXT NOT NULL,"
    "  document TEXT NOT NULL," /* the signed document, byte for byte */
    "  revoked_at TEXT,"
    "  revoked_reason TEXT,"
    "  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))"
    ") WITHOUT ROWID;"
    "CREATE INDEX certificate_by_practitioner"
    "  ON certificate(practitioner_id, issued_at);"
    "CREATE TRIGGER certificate_update BEFORE UPDATE ON certificate"
    "  WHEN old.revoked_at IS NOT NULL OR new.revoked_at IS NULL"
    "    OR new.id IS NOT old.id OR new.practitioner_id IS NOT"
    "    old.practitioner_id OR new.protocol_id IS NOT old.protocol_id"
    "    OR new.instrument IS NOT old.instrument OR new.designation IS NOT"
    "    old.designation OR new.issued_at IS NOT old.issued_at"
    "    OR new.document IS NOT old.document"
    " BEGIN SELECT RAISE(ABORT, 'a certificate is kept as issued; only its"
    " revocation is recorded, once'); END;"
    "CREATE TRIGGER certificate_delete BEFORE DELETE ON certificate"
    " BEGIN SELECT RAISE(ABORT, 'issued certificates are never deleted');"
    " END;",
    /* 10: the profession's registry, the clinic's side (docs/registry.md):
     * the practitioner's consent to be matched across clinics, the one
     * registry enrolled with (its key pinned), stable pseudonyms, each
     * batch as built and acknowledged, what was last acknowledged per
     * summary, and the national models pulled. */
    "ALTER TABLE practitioner ADD COLUMN registry_consent INTEGER NOT NULL"
    "  DEFAULT 0 CHECK (registry_consent IN (0, 1));"
    "CREATE TABLE registry_link ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  url TEXT NOT NULL,"
    "  clinic_id INTEGER NOT NULL," /* the registry's id of this clinic */
    "  status TEXT NOT NULL,"
    "  registry_public_key TEXT NOT NULL," /* base64, pinned at enrolment */
    "  enrolled_at TEXT NOT NULL"
    ");"
    "CREATE TABLE registry_pseudonym ("
    "  kind TEXT NOT NULL CHECK (kind IN ('episode', 'practitioner')),"
    "  local_id INTEGER NOT NULL,"
    "  pseudonym TEXT NOT NULL UNIQUE,"
    "  PRIMARY KEY (kind, local_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE registry_outbound ("
    "  seq INTEGER PRIMARY KEY,"
    "  body TEXT NOT NULL," /* the exact bytes sent */
    "  digest TEXT NOT NULL,"
    "  rows INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  acked_at TEXT"
    ");"
    "CREATE TABLE registry_pushed ("
    "  episode_id INTEGER NOT NULL,"
    "  instrument TEXT NOT NULL,"
    "  digest TEXT NOT NULL," /* SHA-256 of the row as acknowledged */
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (episode_id, instrument)"
    ") WITHOUT ROWID;"
    "CREATE TABLE registry_national ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  document TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"
    "  pulled_at TEXT NOT NULL"
    ");",
    /* 11: patient-reported outcomes (docs/patient-reported.md): where an
     * observation came from, the patient's opt-out, the mail server, the
     * links patients answer through (tokens stored only as hashes), the
     * physicians' report links and the durable outbox. */
    "ALTER TABLE observation ADD COLUMN source TEXT NOT NULL DEFAULT"
    "  'clinic' CHECK (source IN ('clinic', 'patient', 'import'));"
    "ALTER TABLE observation ADD COLUMN invitation_id INTEGER"
    "  REFERENCES invitation(id);"
    "ALTER TABLE patient ADD COLUMN contact_opt_out_at TEXT;"
    "CREATE TABLE mail_config ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  smtp_url TEXT NOT NULL,"
    "  from_address TEXT NOT NULL,"
    "  base_url TEXT NOT NULL,"
    "  username TEXT,"
    "  password_file TEXT,"
    "  updated_at TEXT NOT NULL"
    ");"
    "CREATE TABLE invitation ("
    "  id INTEGER PRIMARY KEY,"
    "  episode_id INTEGER NOT NULL REFERENCES episode(id),"
    "  timepoint TEXT NOT NULL"
    "    CHECK (timepoint IN ('baseline', 'followup', 'pre')),"
    "  instruments TEXT NOT NULL," /* JSON array of instrument codes */
    "  nonce TEXT NOT NULL,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  channel TEXT NOT NULL CHECK (channel IN ('email', 'print')),"
    "  created_at TEXT NOT NULL,"
    "  opens_at TEXT NOT NULL,"
    "  expires_at TEXT NOT NULL,"
    "  used_at TEXT,"
    "  revoked_at TEXT,"
    "  revoked_reason TEXT,"
    "  reminders INTEGER NOT NULL DEFAULT 0,"
    "  last_sent_at TEXT"
    ");"
    "CREATE INDEX invitation_by_episode ON invitation(episode_id);"
    "CREATE TABLE report_link ("
    "  id INTEGER PRIMARY KEY,"
    "  episode_id INTEGER NOT NULL REFERENCES episode(id),"
    "  nonce TEXT NOT NULL,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  created_at TEXT NOT NULL,"
    "  expires_at TEXT NOT NULL,"
    "  revoked_at TEXT"
    ");"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL"
    "    CHECK (kind IN ('invitation', 'reminder', 'physician_report')),"
    "  recipient TEXT NOT NULL,"
    "  subject TEXT,"
    "  body TEXT,"
    "  invitation_id INTEGER REFERENCES invitation(id),"
    "  report_link_id INTEGER REFERENCES report_link(id),"
    "  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent',"
    "    'failed', 'cancelled')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  max_attempts INTEGER NOT NULL,"
    "  next_attempt_at TEXT NOT NULL,"
    "  last_error TEXT,"
    "  created_at TEXT NOT NULL,"
    "  sent_at TEXT"
    ");"
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_at);",
    /* 12: the certificate authority a clinic's mail server is checked
     * against; answers given before a session (timepoint pre), held with
     * their invitation until the session of the visit day is recorded
     * (docs/patient-reported.md). */
    "ALTER TABLE mail_config ADD COLUMN ca_file TEXT;"
    "ALTER TABLE invitation ADD COLUMN visit_on TEXT;"
    "CREATE TABLE held_answer ("
    "  id INTEGER PRIMARY KEY,"
    "  invitation_id INTEGER NOT NULL REFERENCES invitation(id),"
    "  instrument TEXT NOT NULL,"
    "  items TEXT," /* JSON array, null for a missing answer; or NULL */
    "  value REAL," /* a single score, when items is NULL */
    "  answered_at TEXT NOT NULL,"
    "  observation_id INTEGER REFERENCES observation(id)," /* once bound */
    "  UNIQUE (invitation_id, instrument)"
    ");"
    "CREATE INDEX held_answer_waiting ON held_answer(invitation_id)"
    "  WHERE observation_id IS NULL;",
    /* 13: the registry's public directory (docs/registry.md, Directory):
     * the clinic's public place (state, 3-digit ZIP), each practitioner's
     * consent to be listed with the name the directory shows, and the
     * number of the last listing sent to the registry. */
    "ALTER TABLE clinic ADD COLUMN state TEXT"
    "  CHECK (state IS NULL OR (length(state) = 2 AND state GLOB '[A-Z][A-Z]'));"
    "ALTER TABLE clinic ADD COLUMN zip3 TEXT"
    "  CHECK (zip3 IS NULL OR (length(zip3) = 3 AND zip3 GLOB '[0-9][0-9][0-9]'));"
    "ALTER TABLE practitioner ADD COLUMN directory_consent INTEGER NOT NULL"
    "  DEFAULT 0 CHECK (directory_consent IN (0, 1));"
    "ALTER TABLE practitioner ADD COLUMN directory_name TEXT;"
    "ALTER TABLE registry_link ADD COLUMN directory_seq INTEGER NOT NULL"
    "  DEFAULT 0;",
    /* 14: the clinic's retired signing keys (touchstone key rotate): each
     * public key with its id (the first 16 hex digits of SHA-256 of the
     * key), when it was made and retired, and the key that replaced it.
     * The current key stays in clinic_key; certificates signed with a
     * retired key still verify against this history
     * (docs/certificates.md). */
    "CREATE TABLE clinic_key_history ("
    "  key_id TEXT PRIMARY KEY CHECK (length(key_id) = 16),"
    "  public_key TEXT NOT NULL UNIQUE CHECK (length(public_key) = 44),"
    "  created_at TEXT NOT NULL,"
    "  retired_at TEXT NOT NULL,"
    "  replaced_by TEXT NOT NULL CHECK (length(replaced_by) = 16)"
    ");",
};

const int store_migration_count =
    (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
