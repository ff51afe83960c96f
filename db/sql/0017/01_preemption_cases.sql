-- Pre-emption cases (Vorkaufsrechtsfälle). A notary reports every sale of land to the municipality; where it
-- holds a pre-emption right (general, § 24 BauGB, or by statute, § 25 BauGB) it may exercise it only within
-- three months of that notice (§ 28 (2) BauGB), otherwise the sale goes through. The land office records each
-- notice, sees which deadlines run out and records its decision: no right exists (Negativzeugnis), waived, or
-- exercised (the municipality buys: a land-pool transaction of kind pre_emption).
-- The deadline is the notice's date plus three months (§ 188 (2), (3) BGB: 30 November gives 28 February);
-- a deadline on a weekend or holiday is not moved, so the date shown is never later than the legal one.
-- The contract's parties are not stored here (they stay in the file); the price is, so only land managers of
-- the municipality and admins read the table.

CREATE TABLE core.preemption_cases (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    file_reference    text NOT NULL CHECK (length(trim(file_reference)) BETWEEN 1 AND 100),
    legal_basis       text NOT NULL CHECK (legal_basis IN ('general', 'statute')),
    parcels           text[] NOT NULL CHECK (cardinality(parcels) BETWEEN 1 AND 200),
    contract_date     date NOT NULL,
    notified_on       date NOT NULL CHECK (notified_on >= contract_date),
    deadline          date GENERATED ALWAYS AS ((notified_on + interval '3 months')::date) STORED,
    price_eur         numeric(14, 2) CHECK (price_eur >= 0),
    decision          text CHECK (decision IN ('no_right', 'waived', 'exercised')),
    decided_on        date CHECK (decided_on >= notified_on),
    decided_by        text,
    transaction_id    bigint REFERENCES core.pool_transactions,
    notes             text CHECK (length(notes) <= 5000),
    provenance        text NOT NULL DEFAULT 'user' CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL DEFAULT audit.current_actor(),
    UNIQUE (municipality_ags, file_reference),
    CHECK ((decision IS NULL) = (decided_on IS NULL) AND (decision IS NULL) = (decided_by IS NULL)),
    CHECK (decision IS DISTINCT FROM 'exercised' OR decided_on <= deadline),
    CHECK ((transaction_id IS NOT NULL) = (decision IS NOT DISTINCT FROM 'exercised'))
);
CREATE INDEX preemption_cases_open_idx ON core.preemption_cases (municipality_ags, deadline) WHERE decision IS NULL;
CREATE INDEX preemption_cases_parcels_idx ON core.preemption_cases USING gin (parcels);
COMMENT ON TABLE core.preemption_cases IS 'Vorkaufsrechtsfälle (§§ 24–28 BauGB): Mitteilung, Frist, Entscheidung';
COMMENT ON COLUMN core.preemption_cases.legal_basis IS 'general: § 24 BauGB, statute: Satzung nach § 25 BauGB';
COMMENT ON COLUMN core.preemption_cases.notified_on IS 'Eingang der Mitteilung des Kaufvertrags';
COMMENT ON COLUMN core.preemption_cases.deadline IS 'Ende der Ausübungsfrist (§ 28 Abs. 2 BauGB: drei Monate)';
COMMENT ON COLUMN core.preemption_cases.decision IS
    'no_right: Negativzeugnis (kein Vorkaufsrecht), waived: nicht ausgeübt, exercised: ausgeübt';

-- A decision is final: the notice, the decision and the transaction do not change afterwards.
CREATE FUNCTION core.preemption_cases_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.decision IS NOT NULL AND (NEW.decision, NEW.decided_on, NEW.decided_by, NEW.transaction_id, NEW.parcels, NEW.price_eur,
                                     NEW.notified_on, NEW.contract_date, NEW.legal_basis, NEW.municipality_ags)
            IS DISTINCT FROM (OLD.decision, OLD.decided_on, OLD.decided_by, OLD.transaction_id, OLD.parcels, OLD.price_eur,
                              OLD.notified_on, OLD.contract_date, OLD.legal_basis, OLD.municipality_ags) THEN
        RAISE EXCEPTION 'pre-emption case % was decided on %: a decision is final', OLD.id, OLD.decided_on
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER preemption_cases_final BEFORE UPDATE ON core.preemption_cases
    FOR EACH ROW EXECUTE FUNCTION core.preemption_cases_final();
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON core.preemption_cases
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER preemption_cases_no_delete BEFORE DELETE ON core.preemption_cases
    FOR EACH ROW EXECUTE FUNCTION audit.forbid_delete();

REVOKE ALL ON core.preemption_cases FROM flaechenpool_public, flaechenpool_planner;
GRANT SELECT, INSERT, UPDATE ON core.preemption_cases TO flaechenpool_land_manager;

-- Planners read the land pool's audit trail (audit.changes); the cases' prices are not for them. Admins read
-- every change in audit.log.
CREATE OR REPLACE VIEW audit.changes WITH (security_barrier) AS
    SELECT id, at, actor, action, table_name, row_key, before, after, reason
    FROM audit.log
    WHERE table_name NOT LIKE 'personal.%' AND table_name NOT LIKE 'auth.%'
      AND table_name <> 'core.preemption_cases';
