//! Diesel table definitions, written by hand to match
//! `migrations/{sqlite,postgres}/*/up.sql` (both trees read the same way).
//!
//! This is the one place where tables are declared: area modules
//! (`refunds`, `review`, …) import from here, so a table has one column list.
//! `db/tests/schema.rs` checks these declarations against the migrated
//! databases of both backends (and `db/schema-snapshot.txt`).

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        province -> Text,
    }
}

diesel::table! {
    policy_base_bounds (id) {
        id -> BigInt,
        region_code -> Text,
        si_year -> Integer,
        standard_fen -> BigInt,
        floor_fen -> BigInt,
        ceiling_fen -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_rates (id) {
        id -> BigInt,
        region_code -> Text,
        insurance -> Text,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        unit_rate_ppm -> BigInt,
        individual_rate_ppm -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_injury_class_rates (id) {
        id -> BigInt,
        region_code -> Text,
        risk_class -> SmallInt,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        rate_ppm -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_late_fee_rules (id) {
        id -> BigInt,
        region_code -> Text,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        daily_rate_ppm -> BigInt,
        due_day_of_next_month -> Nullable<SmallInt>,
        cap -> Text,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_interest_rates (year) {
        year -> Integer,
        rate_ppm -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_deferrals (id) {
        id -> BigInt,
        region_code -> Text,
        from_period -> Integer,
        to_period -> Integer,
        repay_by -> Date,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_windows (id) {
        id -> BigInt,
        region_code -> Text,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        back_pay_months -> SmallInt,
        refund_months -> SmallInt,
        order_validity_working_days -> SmallInt,
        wage_window_start -> Text,
        wage_window_end -> Text,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        is_off_day -> Bool,
        name -> Text,
    }
}

diesel::table! {
    units (id) {
        id -> BigInt,
        unit_no -> Text,
        uscc -> Text,
        name -> Text,
        region_code -> Text,
        unit_type -> Text,
        economic_type -> Text,
        industry -> Text,
        risk_class -> SmallInt,
        address -> Text,
        postcode -> Nullable<Text>,
        phone -> Text,
        legal_rep_name -> Text,
        legal_rep_id_type -> Text,
        legal_rep_id_number -> Text,
        collection_method -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        legal_rep_phone -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        email -> Nullable<Text>,
        size_class -> Text,
    }
}

diesel::table! {
    unit_insurances (id) {
        id -> BigInt,
        unit_id -> BigInt,
        insurance -> Text,
        start_period -> Integer,
        status -> Text,
        latest_accounted_period -> Nullable<Integer>,
        latest_paid_period -> Nullable<Integer>,
        stop_period -> Nullable<Integer>,
    }
}

diesel::table! {
    unit_injury_factors (id) {
        id -> BigInt,
        unit_id -> BigInt,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        factor_pct -> SmallInt,
    }
}

diesel::table! {
    persons (id) {
        id -> BigInt,
        person_no -> Text,
        id_type -> Text,
        id_number -> Text,
        name -> Text,
        gender -> Text,
        birth_date -> Date,
        nationality -> Text,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        first_work_date -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    employments (id) {
        id -> BigInt,
        unit_id -> BigInt,
        person_id -> BigInt,
        insurance -> Text,
        start_date -> Date,
        stop_date -> Nullable<Date>,
        stop_reason -> Nullable<Text>,
        status -> Text,
        monthly_wage_fen -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    business_items (id) {
        id -> BigInt,
        unit_id -> Nullable<BigInt>,
        kind -> Text,
        status -> Text,
        actor -> Text,
        channel -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    number_sequences (name) {
        name -> Text,
        next_value -> BigInt,
    }
}

diesel::table! {
    staff_accounts (id) {
        id -> BigInt,
        username -> Text,
        name -> Text,
        password_hash -> Text,
        roles -> Text,
        region_code -> Nullable<Text>,
        active -> Bool,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    unit_accounts (id) {
        id -> BigInt,
        unit_id -> BigInt,
        password_hash -> Text,
        must_change_password -> Bool,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        password_changed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agents (id) {
        id -> BigInt,
        unit_id -> BigInt,
        id_number -> Text,
        name -> Text,
        department -> Nullable<Text>,
        phone -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        unit_id -> BigInt,
        name -> Text,
        key_prefix -> Text,
        key_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tax_clients (id) {
        id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        role -> Text,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Text,
        kind -> Text,
        subject -> Text,
        name -> Text,
        unit_id -> Nullable<BigInt>,
        roles -> Text,
        channel -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        read_after_lsn -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signin_throttle (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    qr_sessions (id) {
        id -> Text,
        status -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        holder_id_number -> Nullable<Text>,
        holder_name -> Nullable<Text>,
        confirmation_id -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    uscc_exceptions (id) {
        id -> BigInt,
        uscc -> Text,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_bank_accounts (id) {
        id -> BigInt,
        unit_id -> BigInt,
        purpose -> Text,
        bank_name -> Text,
        account_name -> Text,
        account_number -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assessments (id) {
        id -> BigInt,
        unit_id -> BigInt,
        person_id -> BigInt,
        employment_id -> BigInt,
        insurance -> Text,
        period -> Integer,
        kind -> Text,
        base_fen -> BigInt,
        unit_rate_ppm -> BigInt,
        individual_rate_ppm -> BigInt,
        unit_fen -> BigInt,
        individual_fen -> BigInt,
        status -> Text,
        source_item_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Generated: `status <> 'cancelled'` (never written).
        live -> Bool,
        /// Generated: `status IN ('pending', 'billed')` (never written).
        unpaid -> Bool,
    }
}

diesel::table! {
    person_statuses (id) {
        id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        note -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_merges (id) {
        id -> BigInt,
        keep_person_id -> BigInt,
        merge_person_id -> BigInt,
        reason -> Text,
        decided_by -> Text,
        moved_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_id_keys (id) {
        id -> BigInt,
        id_key -> Text,
        person_id -> BigInt,
    }
}

diesel::table! {
    wage_declarations (id) {
        id -> BigInt,
        unit_id -> BigInt,
        si_year -> Integer,
        version -> Integer,
        late -> Bool,
        committed_by -> Text,
        committed_at -> Timestamp,
        superseded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    wage_declaration_persons (id) {
        id -> BigInt,
        declaration_id -> BigInt,
        person_id -> BigInt,
        basis -> Text,
        previous_year_total_fen -> Nullable<BigInt>,
        months_paid -> Nullable<Integer>,
        wage_fen -> Nullable<BigInt>,
        declared_fen -> BigInt,
        base_fen -> BigInt,
        adjustment -> Text,
    }
}

diesel::table! {
    declarations (id) {
        id -> BigInt,
        unit_id -> BigInt,
        period -> Integer,
        kind -> Text,
        excluded_json -> Text,
        declared_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        order_no -> Text,
        unit_id -> BigInt,
        status -> Text,
        agency -> Text,
        issue_date -> Date,
        due_date -> Date,
        unit_fen -> BigInt,
        individual_fen -> BigInt,
        interest_fen -> BigInt,
        late_fee_fen -> BigInt,
        total_fen -> BigInt,
        issued_by -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        invoiced_at -> Nullable<Timestamp>,
        invoice_no -> Nullable<Text>,
        tax_booked_at -> Nullable<Timestamp>,
        booked_at -> Nullable<Timestamp>,
        allocated_at -> Nullable<Timestamp>,
        paid_serial -> Nullable<Text>,
    }
}

diesel::table! {
    /// The per-second sequence of order numbers; written by the raw upsert
    /// of `orders::next_order_seq`, declared so that schema.rs lists every table.
    order_no_counters (prefix) {
        prefix -> Text,
        last_seq -> BigInt,
    }
}

diesel::table! {
    tax_feed_counter (id) {
        id -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    tax_feed (seq) {
        seq -> BigInt,
        order_id -> BigInt,
        event -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tax_events (id) {
        id -> BigInt,
        serial -> Text,
        kind -> Text,
        order_no -> Text,
        order_id -> Nullable<BigInt>,
        amount_fen -> BigInt,
        invoice_no -> Nullable<Text>,
        bank_time -> Nullable<Timestamp>,
        original_serial -> Nullable<Text>,
        business_date -> Date,
        outcome -> Text,
        code -> Nullable<Text>,
        detail -> Nullable<Text>,
        request_hash -> Text,
        response_status -> Integer,
        response_json -> Text,
        client -> Text,
        received_at -> Timestamp,
        reversed_by -> Nullable<Text>,
    }
}

diesel::table! {
    tax_messages (id) {
        id -> BigInt,
        client -> Text,
        endpoint -> Text,
        serial -> Nullable<Text>,
        body -> Text,
        response_status -> Integer,
        replay -> Bool,
        received_at -> Timestamp,
    }
}

diesel::table! {
    tax_statement_lines (id) {
        id -> BigInt,
        business_date -> Date,
        serial -> Text,
        order_no -> Text,
        amount_fen -> BigInt,
        received_at -> Timestamp,
    }
}

diesel::table! {
    order_sums (id) {
        id -> BigInt,
        order_id -> BigInt,
        insurance -> Text,
        kind -> Text,
        period -> Integer,
        lines -> BigInt,
        unit_fen -> BigInt,
        individual_fen -> BigInt,
        interest_fen -> BigInt,
        late_fee_fen -> BigInt,
    }
}

diesel::table! {
    /// One row per person with any relation at the unit (kept by triggers
    /// on employments and persons; see the unit_roster migration).
    unit_roster (unit_id, person_id) {
        unit_id -> BigInt,
        person_id -> BigInt,
        person_no -> Text,
    }
}

diesel::table! {
    /// The number of rows of each unit's roster (kept by triggers).
    unit_roster_sizes (unit_id) {
        unit_id -> BigInt,
        persons -> BigInt,
    }
}

diesel::table! {
    order_lines (id) {
        id -> BigInt,
        order_id -> BigInt,
        assessment_id -> BigInt,
        live -> Bool,
        interest_fen -> BigInt,
        interest_days -> BigInt,
        interest_detail -> Text,
        late_fee_fen -> BigInt,
        late_fee_days -> BigInt,
        late_fee_rate_ppm -> BigInt,
        late_fee_from -> Nullable<Date>,
        late_fee_note -> Nullable<Text>,
    }
}

diesel::table! {
    idempotent_requests (id) {
        id -> BigInt,
        scope -> Text,
        key -> Text,
        fingerprint -> Text,
        method -> Text,
        path -> Text,
        status -> Nullable<Integer>,
        headers -> Nullable<Text>,
        body -> Nullable<Binary>,
        locked_until -> Timestamp,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    unit_event_counters (unit_id) {
        unit_id -> BigInt,
        last_seq -> BigInt,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        unit_id -> BigInt,
        url -> Text,
        event_types -> Text,
        description -> Text,
        secret -> Text,
        cursor_seq -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        endpoint_id -> BigInt,
        unit_id -> BigInt,
        seq -> BigInt,
        event_type -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        give_up_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, n) {
        delivery_id -> BigInt,
        n -> Integer,
        at -> Timestamp,
        node -> Text,
        status -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    unit_events (unit_id, seq) {
        unit_id -> BigInt,
        seq -> BigInt,
        event_type -> Text,
        subject -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    materials (id) {
        id -> BigInt,
        unit_id -> BigInt,
        media_type -> Text,
        file_name -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        description -> Nullable<Text>,
        content -> Binary,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    business_item_materials (id) {
        id -> BigInt,
        business_item_id -> BigInt,
        material_id -> BigInt,
    }
}

diesel::table! {
    review_tasks (id) {
        id -> BigInt,
        business_item_id -> BigInt,
        unit_id -> BigInt,
        kind -> Text,
        required_role -> Text,
        status -> Text,
        payload_json -> Text,
        open_key -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    review_task_events (id) {
        id -> BigInt,
        task_id -> BigInt,
        event -> Text,
        actor -> Text,
        at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    refund_applications (id) {
        id -> BigInt,
        refund_no -> Text,
        unit_id -> BigInt,
        person_id -> BigInt,
        business_item_id -> BigInt,
        status -> Text,
        total_fen -> BigInt,
        bank_name -> Text,
        account_name -> Text,
        account_no -> Text,
        document_type -> Text,
        reason -> Nullable<Text>,
        applied_by -> Text,
        applied_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_note -> Nullable<Text>,
        paid_out_by -> Nullable<Text>,
        paid_out_at -> Nullable<Timestamp>,
        payout_reference -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refund_lines (id) {
        id -> BigInt,
        application_id -> BigInt,
        assessment_id -> BigInt,
        insurance -> Text,
        period -> Integer,
        unit_fen -> BigInt,
        individual_fen -> BigInt,
        amount_fen -> BigInt,
        live -> Bool,
    }
}

diesel::table! {
    unit_deferrals (id) {
        id -> BigInt,
        unit_id -> BigInt,
        period -> Integer,
        business_item_id -> BigInt,
        confirmed_by -> Text,
        channel -> Text,
        confirmed_at -> Timestamp,
    }
}

diesel::table! {
    item_chain_heads (chain) {
        chain -> BigInt,
        seq -> BigInt,
        sha256 -> Text,
    }
}

diesel::table! {
    item_chain_links (chain, seq) {
        chain -> BigInt,
        seq -> BigInt,
        item_id -> BigInt,
        content_sha256 -> Text,
        prev_sha256 -> Text,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        code -> Text,
        kind -> Text,
        unit_id -> BigInt,
        person_id -> Nullable<BigInt>,
        content -> Text,
        signature -> Text,
        key_id -> Text,
        business_item_id -> BigInt,
        issued_at -> Timestamp,
        verifiable_until -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        unit_id -> Nullable<BigInt>,
        state -> Text,
        subject_id -> BigInt,
        actor -> Nullable<Text>,
        channel -> Nullable<Text>,
        input -> Nullable<Text>,
        done -> BigInt,
        total -> BigInt,
        result -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_detail -> Nullable<Text>,
        attempts -> Integer,
        max_attempts -> Integer,
        claimed_by -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_files (job_id) {
        job_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        unit_id -> BigInt,
        kind -> Text,
        state -> Text,
        format -> Text,
        file_name -> Nullable<Text>,
        file_sha256 -> Text,
        byte_size -> BigInt,
        template_version -> Nullable<Integer>,
        options -> Text,
        rows -> Text,
        row_count -> Integer,
        problem_count -> Integer,
        problem_rows -> Integer,
        notices -> Text,
        report -> Nullable<Text>,
        result -> Nullable<Text>,
        item_ids -> Nullable<Text>,
        created_by -> Text,
        channel -> Text,
        created_at -> Timestamp,
        validated_at -> Nullable<Timestamp>,
        commit_requested_at -> Nullable<Timestamp>,
        committed_by -> Nullable<Text>,
        commit_channel -> Nullable<Text>,
        committed_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_channel -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The pension parameters of a year (issue 15, R-PEN-1).
    policy_pension_years (year) {
        year -> Integer,
        average_wage_fen -> BigInt,
        transitional_ppm -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_pension_records (person_id) {
        person_id -> BigInt,
        opening_year -> Nullable<Integer>,
        opening_balance_fen -> Nullable<BigInt>,
        opening_document -> Nullable<Text>,
        deemed_months -> Integer,
        deemed_document -> Nullable<Text>,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    person_contribution_history (person_id, period) {
        person_id -> BigInt,
        period -> Integer,
        base_fen -> BigInt,
        place -> Text,
        document -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        transfer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    pension_transfers (id) {
        id -> BigInt,
        direction -> Text,
        transfer_no -> Text,
        status -> Text,
        person_id -> BigInt,
        unit_id -> Nullable<BigInt>,
        business_item_id -> Nullable<BigInt>,
        other_place -> Text,
        other_agency -> Nullable<Text>,
        id_number -> Text,
        name -> Text,
        requested_on -> Date,
        due_on -> Date,
        accepted_on -> Nullable<Date>,
        transferred_on -> Nullable<Date>,
        recorded_on -> Nullable<Date>,
        refused_on -> Nullable<Date>,
        refusal -> Nullable<Text>,
        months -> Nullable<Integer>,
        account_fen -> Nullable<BigInt>,
        pooled_fen -> Nullable<BigInt>,
        answer_json -> Nullable<Text>,
        arrived_period -> Nullable<Integer>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    retirement_applications (id) {
        id -> BigInt,
        unit_id -> BigInt,
        person_id -> BigInt,
        business_item_id -> BigInt,
        kind -> Text,
        category -> Text,
        retirement_period -> Integer,
        special_months -> Nullable<Integer>,
        status -> Text,
        estimate_json -> Text,
        approved_json -> Nullable<Text>,
        first_pension_period -> Nullable<Integer>,
        pension_fen -> Nullable<BigInt>,
        note -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        applied_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The lump sums at death from a year (R-PEN-4).
    policy_death_benefits (from_year) {
        from_year -> Integer,
        funeral_grant_fen -> BigInt,
        survivor_months -> Integer,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pensions (person_id) {
        person_id -> BigInt,
        unit_id -> BigInt,
        application_id -> BigInt,
        first_period -> Integer,
        monthly_fen -> BigInt,
        account_part_fen -> BigInt,
        account_balance_fen -> BigInt,
        payment_kind -> Nullable<Text>,
        bank_name -> Nullable<Text>,
        account_name -> Nullable<Text>,
        account_no -> Nullable<Text>,
        death_period -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pension_suspensions (id) {
        id -> BigInt,
        person_id -> BigInt,
        from_period -> Integer,
        to_period -> Nullable<Integer>,
        reason -> Text,
        note -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        resumed_by -> Nullable<Text>,
        resumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    pension_qualifications (person_id, year) {
        person_id -> BigInt,
        year -> Integer,
        certified_on -> Date,
        method -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    death_benefit_applications (id) {
        id -> BigInt,
        unit_id -> BigInt,
        person_id -> BigInt,
        business_item_id -> BigInt,
        in_service -> Bool,
        death_date -> Date,
        death_period -> Integer,
        heir_name -> Text,
        heir_relation -> Text,
        bank_name -> Text,
        account_no -> Text,
        status -> Text,
        calculation_json -> Text,
        approved_json -> Nullable<Text>,
        payable_fen -> Nullable<BigInt>,
        paid_payroll_id -> Nullable<BigInt>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        applied_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pension_payrolls (id) {
        id -> BigInt,
        period -> Integer,
        lines -> Integer,
        excluded -> Integer,
        total_fen -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pension_payroll_lines (id) {
        id -> BigInt,
        payroll_id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        from_period -> Nullable<Integer>,
        to_period -> Nullable<Integer>,
        months -> Integer,
        amount_fen -> BigInt,
        payment_kind -> Text,
        bank_name -> Text,
        account_name -> Text,
        account_no -> Text,
    }
}

diesel::table! {
    pension_paid_months (person_id, period) {
        person_id -> BigInt,
        period -> Integer,
        payroll_id -> BigInt,
    }
}

diesel::table! {
    pension_payroll_exclusions (id) {
        id -> BigInt,
        payroll_id -> BigInt,
        person_id -> BigInt,
        reason_code -> Text,
        reason -> Text,
    }
}

diesel::table! {
    /// The unemployment benefit's parameters by region from a year (R-UNEMP-2).
    policy_unemployment_benefits (region_code, from_year) {
        region_code -> Text,
        from_year -> Integer,
        minimum_wage_fen -> BigInt,
        percentage_ppm -> BigInt,
        subsistence_fen -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unemployment_claims (id) {
        id -> BigInt,
        unit_id -> BigInt,
        person_id -> BigInt,
        business_item_id -> BigInt,
        end_reason -> Text,
        end_date -> Date,
        registered_on -> Date,
        first_period -> Integer,
        months -> Integer,
        monthly_fen -> BigInt,
        total_fen -> BigInt,
        status -> Text,
        calculation_json -> Text,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        applied_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_stabilisation_years (year) {
        year -> Integer,
        layoff_threshold_ppm -> BigInt,
        small_unit_threshold_ppm -> BigInt,
        small_unit_headcount -> Integer,
        large_share_ppm -> BigInt,
        small_medium_share_ppm -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stabilisation_refunds (id) {
        id -> BigInt,
        unit_id -> BigInt,
        year -> Integer,
        business_item_id -> BigInt,
        amount_fen -> BigInt,
        status -> Text,
        calculation_json -> Text,
        bank_name -> Text,
        account_name -> Text,
        account_no -> Text,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        paid_out_by -> Nullable<Text>,
        paid_out_at -> Nullable<Timestamp>,
        payout_reference -> Nullable<Text>,
        applied_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_project_rates (region_code, kind, from_year) {
        region_code -> Text,
        kind -> Text,
        from_year -> Integer,
        rate_ppm -> BigInt,
        source -> Text,
        illustrative -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        unit_id -> BigInt,
        project_no -> Text,
        name -> Text,
        kind -> Text,
        site -> Text,
        region_code -> Text,
        start_date -> Date,
        end_date -> Date,
        registered_end_date -> Date,
        contract_value_fen -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_charges (id) {
        id -> BigInt,
        project_id -> BigInt,
        business_item_id -> BigInt,
        reason -> Text,
        contract_value_fen -> BigInt,
        end_date -> Date,
        rate_ppm -> BigInt,
        value_part_fen -> BigInt,
        extension_part_fen -> BigInt,
        amount_fen -> BigInt,
        calculation -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_charge_orders (order_id) {
        order_id -> BigInt,
        charge_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_workers (id) {
        id -> BigInt,
        project_id -> BigInt,
        person_id -> Nullable<BigInt>,
        id_type -> Text,
        id_number -> Text,
        name -> Text,
        entered_on -> Date,
        left_on -> Nullable<Date>,
        added_by -> Text,
        removed_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(order_sums -> orders (order_id));
diesel::joinable!(tax_feed -> orders (order_id));
diesel::joinable!(tax_events -> orders (order_id));
diesel::joinable!(order_lines -> assessments (assessment_id));

diesel::joinable!(wage_declaration_persons -> wage_declarations (declaration_id));

diesel::joinable!(policy_base_bounds -> regions (region_code));
diesel::joinable!(policy_rates -> regions (region_code));
diesel::joinable!(policy_injury_class_rates -> regions (region_code));
diesel::joinable!(policy_late_fee_rules -> regions (region_code));
diesel::joinable!(policy_deferrals -> regions (region_code));
diesel::joinable!(policy_windows -> regions (region_code));
diesel::joinable!(units -> regions (region_code));
diesel::joinable!(unit_insurances -> units (unit_id));
diesel::joinable!(unit_injury_factors -> units (unit_id));
diesel::joinable!(employments -> units (unit_id));
diesel::joinable!(unit_roster -> persons (person_id));
diesel::joinable!(employments -> persons (person_id));
diesel::joinable!(business_items -> units (unit_id));
diesel::joinable!(unit_accounts -> units (unit_id));
diesel::joinable!(agents -> units (unit_id));
diesel::joinable!(api_keys -> units (unit_id));
diesel::joinable!(auth_sessions -> units (unit_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));
diesel::joinable!(unit_bank_accounts -> units (unit_id));
diesel::joinable!(unit_deferrals -> units (unit_id));
diesel::joinable!(unit_deferrals -> business_items (business_item_id));
diesel::joinable!(certificates -> units (unit_id));
diesel::joinable!(certificates -> persons (person_id));
diesel::joinable!(certificates -> business_items (business_item_id));
diesel::joinable!(jobs -> units (unit_id));
diesel::joinable!(job_files -> jobs (job_id));
diesel::joinable!(imports -> units (unit_id));

diesel::joinable!(assessments -> units (unit_id));
diesel::joinable!(assessments -> persons (person_id));
diesel::joinable!(assessments -> employments (employment_id));
diesel::joinable!(assessments -> business_items (source_item_id));
diesel::joinable!(person_statuses -> persons (person_id));
diesel::joinable!(person_pension_records -> persons (person_id));
diesel::joinable!(person_contribution_history -> persons (person_id));
diesel::joinable!(pension_transfers -> persons (person_id));
diesel::joinable!(pension_transfers -> units (unit_id));
diesel::joinable!(pension_transfers -> business_items (business_item_id));
diesel::joinable!(retirement_applications -> persons (person_id));
diesel::joinable!(retirement_applications -> units (unit_id));
diesel::joinable!(retirement_applications -> business_items (business_item_id));
diesel::joinable!(pensions -> persons (person_id));
diesel::joinable!(pensions -> units (unit_id));
diesel::joinable!(pensions -> retirement_applications (application_id));
diesel::joinable!(pension_suspensions -> pensions (person_id));
diesel::joinable!(pension_qualifications -> pensions (person_id));
diesel::joinable!(death_benefit_applications -> persons (person_id));
diesel::joinable!(death_benefit_applications -> units (unit_id));
diesel::joinable!(death_benefit_applications -> business_items (business_item_id));
diesel::joinable!(pension_payroll_lines -> pension_payrolls (payroll_id));
diesel::joinable!(pension_payroll_lines -> persons (person_id));
diesel::joinable!(pension_paid_months -> pensions (person_id));
diesel::joinable!(pension_paid_months -> pension_payrolls (payroll_id));
diesel::joinable!(pension_payroll_exclusions -> pension_payrolls (payroll_id));
diesel::joinable!(pension_payroll_exclusions -> persons (person_id));
diesel::joinable!(policy_unemployment_benefits -> regions (region_code));
diesel::joinable!(unemployment_claims -> units (unit_id));
diesel::joinable!(unemployment_claims -> persons (person_id));
diesel::joinable!(unemployment_claims -> business_items (business_item_id));
diesel::joinable!(stabilisation_refunds -> units (unit_id));
diesel::joinable!(stabilisation_refunds -> business_items (business_item_id));
diesel::joinable!(policy_project_rates -> regions (region_code));
diesel::joinable!(projects -> units (unit_id));
diesel::joinable!(projects -> regions (region_code));
diesel::joinable!(project_charges -> projects (project_id));
diesel::joinable!(project_charges -> business_items (business_item_id));
diesel::joinable!(project_charge_orders -> orders (order_id));
diesel::joinable!(project_charge_orders -> project_charges (charge_id));
diesel::joinable!(project_workers -> projects (project_id));
diesel::joinable!(project_workers -> persons (person_id));
diesel::joinable!(person_id_keys -> persons (person_id));

diesel::joinable!(refund_lines -> refund_applications (application_id));

diesel::allow_tables_to_appear_in_same_query!(
    orders,
    order_lines,
    order_sums,
    idempotent_requests,
    unit_event_counters,
    unit_events,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    wage_declarations,
    wage_declaration_persons,
    declarations,
    assessments,
    person_statuses,
    person_merges,
    person_id_keys,
    regions,
    policy_base_bounds,
    policy_rates,
    policy_injury_class_rates,
    policy_late_fee_rules,
    policy_interest_rates,
    policy_pension_years,
    person_pension_records,
    person_contribution_history,
    pension_transfers,
    retirement_applications,
    policy_death_benefits,
    pensions,
    pension_suspensions,
    pension_qualifications,
    death_benefit_applications,
    pension_payrolls,
    pension_payroll_lines,
    pension_paid_months,
    pension_payroll_exclusions,
    policy_unemployment_benefits,
    unemployment_claims,
    policy_stabilisation_years,
    stabilisation_refunds,
    policy_project_rates,
    projects,
    project_charges,
    project_charge_orders,
    project_workers,
    policy_deferrals,
    policy_windows,
    calendar_days,
    units,
    unit_insurances,
    unit_injury_factors,
    persons,
    employments,
    unit_roster,
    unit_roster_sizes,
    business_items,
    number_sequences,
    staff_accounts,
    unit_accounts,
    agents,
    api_keys,
    tax_clients,
    auth_sessions,
    refresh_tokens,
    qr_sessions,
    signin_throttle,
    uscc_exceptions,
    unit_bank_accounts,
    order_no_counters,
    tax_feed_counter,
    tax_feed,
    tax_events,
    tax_messages,
    tax_statement_lines,
    materials,
    business_item_materials,
    review_tasks,
    review_task_events,
    refund_applications,
    refund_lines,
    unit_deferrals,
    item_chain_heads,
    item_chain_links,
    certificates,
    jobs,
    job_files,
    imports,
);
