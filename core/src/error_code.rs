//! Every refusal's stable machine code (`problem.code`): one closed set that
//! crosses the layers (Convention 7). Each code knows its kind of refusal
//! ([`ErrorKind`], one HTTP status each) and a default Chinese detail; a
//! use case that has something more specific to say gives its own detail.
//!
//! The codes of `core`'s refusals are variants here, so that a rule's error
//! (e.g. [`crate::payment::EventRefusal::code`]) names its code and, through
//! it, its status: a code cannot be sent with a status it does not have.
//!
//! The wire string is the variant's name in SCREAMING_SNAKE_CASE (serde's
//! `rename_all`); it is also written out in the table below so that a code
//! can be found by grepping for it, and a test checks that both agree.
//!
//! Four codes are answered with two statuses today (the resource addressed
//! by the URL vs. one referenced from the body, or two owners of one name):
//! they declare both ([`ErrorCode::kinds`]); [`ErrorCode::kind`] is the
//! first. Every other code has exactly one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of refusal: each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 400: malformed input.
    BadRequest,
    /// 401: no or invalid credentials.
    Unauthorized,
    /// 403: authenticated, not allowed.
    Forbidden,
    /// 404: no such resource (or not the caller's).
    NotFound,
    /// 405: the resource does not take this method.
    MethodNotAllowed,
    /// 406: no acceptable representation.
    NotAcceptable,
    /// 408: the request took too long to arrive.
    RequestTimeout,
    /// 409: conflicts with the current state.
    Conflict,
    /// 410: the thing existed for a while and is gone (an expired ticket).
    Gone,
    /// 411: a body without `Content-Length`.
    LengthRequired,
    /// 413: the body is too large.
    PayloadTooLarge,
    /// 414: the URI is too long.
    UriTooLong,
    /// 415: the body's media type is not the one the operation reads.
    UnsupportedMediaType,
    /// 422: well-formed, but a business rule refuses it.
    Unprocessable,
    /// 429: too many attempts; the answer says when to retry.
    TooManyRequests,
    /// 431: the request's headers are too large.
    HeadersTooLarge,
    /// 500: a fault of ours; the cause is in the log.
    Internal,
    /// 503: try again later.
    Unavailable,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::MethodNotAllowed,
        ErrorKind::NotAcceptable,
        ErrorKind::RequestTimeout,
        ErrorKind::Conflict,
        ErrorKind::Gone,
        ErrorKind::LengthRequired,
        ErrorKind::PayloadTooLarge,
        ErrorKind::UriTooLong,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::Unprocessable,
        ErrorKind::TooManyRequests,
        ErrorKind::HeadersTooLarge,
        ErrorKind::Internal,
        ErrorKind::Unavailable,
    ];

    /// The HTTP status of this kind.
    pub const fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::NotAcceptable => 406,
            ErrorKind::RequestTimeout => 408,
            ErrorKind::Conflict => 409,
            ErrorKind::Gone => 410,
            ErrorKind::LengthRequired => 411,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UriTooLong => 414,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::Unprocessable => 422,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::HeadersTooLarge => 431,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }

    /// The kind of an HTTP status, when it is one of ours.
    pub fn of_status(status: u16) -> Option<ErrorKind> {
        ErrorKind::ALL
            .iter()
            .copied()
            .find(|k| k.status() == status)
    }
}

macro_rules! codes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $wire:literal, $kind:ident $(| $alt:ident)*, $detail:literal;
    )+) => {
        /// A refusal's stable machine code (`ProblemDoc.code`): each code has
        /// its HTTP status and a default Chinese detail.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The wire string (`PERIOD_GAP`).
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $wire,)+ }
            }

            /// The kinds of refusal this code is answered with; the first is
            /// [`ErrorCode::kind`].
            pub const fn kinds(self) -> &'static [ErrorKind] {
                match self { $(ErrorCode::$variant => &[ErrorKind::$kind $(, ErrorKind::$alt)*],)+ }
            }

            /// The kind of refusal (and so the HTTP status) of this code.
            pub const fn kind(self) -> ErrorKind {
                match self { $(ErrorCode::$variant => ErrorKind::$kind,)+ }
            }

            /// The Chinese detail sent when the use case has nothing more
            /// specific to say.
            pub const fn default_detail(self) -> &'static str {
                match self { $(ErrorCode::$variant => $detail,)+ }
            }

            /// The code of a wire string.
            pub fn parse(s: &str) -> Option<ErrorCode> {
                match s { $($wire => Some(ErrorCode::$variant),)+ _ => None }
            }
        }
    };
}

codes! {
    // ------------------------------------------------ requests (any operation)
    /// Malformed request the server could not read (no more specific code).
    BadRequest = "BAD_REQUEST", BadRequest, "请求有误，请检查后重试。";
    /// Invalid fields: `errors[]` names each one.
    ValidationFailed = "VALIDATION_FAILED", BadRequest, "请求参数有误，请按提示修改后重试。";
    /// The body is not JSON (empty, a syntax error, cut short).
    MalformedJson = "MALFORMED_JSON", BadRequest, "请求体不是有效的 JSON。";
    /// `Idempotency-Key` is not 1 to 200 visible characters.
    InvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY", BadRequest, "Idempotency-Key 应为1至200个可见字符";
    /// The key was used for a request with another body (another file).
    IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED", Conflict, "该幂等键已用于另一请求；新的请求请使用新的幂等键。";
    /// The first request under this `Idempotency-Key` is still being served
    /// (another node or connection): retry after `Retry-After`.
    IdempotencyKeyInFlight = "IDEMPOTENCY_KEY_IN_FLIGHT", Conflict, "使用同一幂等键（Idempotency-Key）的请求正在办理，请稍后重试。";
    /// A 401 the server answered before any of our checks.
    Unauthorized = "UNAUTHORIZED", Unauthorized, "请先登录。";
    /// The caller's role may not use this operation.
    Forbidden = "FORBIDDEN", Forbidden, "没有执行此操作的权限。";
    /// No such resource (no more specific code).
    NotFound = "NOT_FOUND", NotFound, "请求的资源不存在。";
    /// The path exists, not with this method (`Allow` lists the methods).
    MethodNotAllowed = "METHOD_NOT_ALLOWED", MethodNotAllowed, "该资源不支持此请求方法。";
    NotAcceptable = "NOT_ACCEPTABLE", NotAcceptable, "无法提供所要求的响应格式。";
    RequestTimeout = "REQUEST_TIMEOUT", RequestTimeout, "请求超时，请重试。";
    /// A unique rule of the stored data refused the change (no more specific code).
    Conflict = "CONFLICT", Conflict, "与现有数据冲突，请刷新后核对再试。";
    LengthRequired = "LENGTH_REQUIRED", LengthRequired, "请求缺少 Content-Length。";
    /// The body is larger than the operation takes.
    PayloadTooLarge = "PAYLOAD_TOO_LARGE", PayloadTooLarge, "请求体过大。";
    UriTooLong = "URI_TOO_LONG", UriTooLong, "请求地址过长。";
    /// The body's `Content-Type` is missing or not the one the operation reads.
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", UnsupportedMediaType, "请求体必须是 application/json。";
    /// A 422 the server answered before any of our checks.
    Unprocessable = "UNPROCESSABLE", Unprocessable, "请求无法办理。";
    /// A 429 the server answered before any of our checks.
    TooManyRequests = "TOO_MANY_REQUESTS", TooManyRequests, "请求过于频繁，请稍后再试。";
    HeadersTooLarge = "HEADERS_TOO_LARGE", HeadersTooLarge, "请求头过大。";
    /// A fault of ours; the cause is in the server's log, never in the answer.
    Internal = "INTERNAL", Internal, "系统繁忙，请稍后再试。";
    /// The database is busy (or the pool exhausted): retry after `Retry-After`.
    ServiceUnavailable = "SERVICE_UNAVAILABLE", Unavailable, "系统繁忙，请稍后再试。";
    /// `/readyz`: the database does not answer.
    NotReady = "NOT_READY", Unavailable, "服务暂不可用（数据库无响应），请稍后再试。";
    /// Inside a use case: the action lost a race and runs once more (a client
    /// sees `CONCURRENT_CHANGE` when the second run loses too). An action
    /// without that retry (a review approval's effect) answers it as it is.
    RetryConflict = "RETRY_CONFLICT", Conflict, "数据刚被其他请求修改，请稍后重试。";
    /// A concurrent request changed the same data: refresh and check.
    ConcurrentChange = "CONCURRENT_CHANGE", Conflict, "数据正在被其他请求修改，请刷新后核对。";

    // ------------------------------------------------ sign-in and sessions (R-AUTH-*)
    /// No `Authorization` header.
    Unauthenticated = "UNAUTHENTICATED", Unauthorized, "请先登录后再办理此业务。";
    /// The bearer token is malformed or not ours.
    TokenInvalid = "TOKEN_INVALID", Unauthorized, "登录已失效或凭证无效，请重新登录。";
    /// The access token is past its expiry: refresh it.
    TokenExpired = "TOKEN_EXPIRED", Unauthorized, "登录已过期，请刷新或重新登录。";
    /// The token's session was logged out, revoked or expired.
    SessionEnded = "SESSION_ENDED", Unauthorized, "该登录已注销或被撤销，请重新登录。";
    /// Unknown account or wrong password (which one is not said).
    LoginFailed = "LOGIN_FAILED", Unauthorized, "账号或密码错误。";
    /// The tax bureau's client id or secret is wrong.
    ClientAuthFailed = "CLIENT_AUTH_FAILED", Unauthorized, "客户端标识或密钥错误。";
    /// Unknown, malformed or revoked API key.
    ApiKeyInvalid = "API_KEY_INVALID", Unauthorized, "接口凭证无效或已作废。";
    RefreshTokenInvalid = "REFRESH_TOKEN_INVALID", Unauthorized, "刷新凭证无效，请重新登录。";
    /// A used refresh token presented again: the session is revoked.
    RefreshTokenReused = "REFRESH_TOKEN_REUSED", Unauthorized, "刷新凭证已被使用过，可能已泄露：该登录已被注销，请重新登录。";
    /// The e-social-card confirmation is not signed by the card platform.
    ConfirmationInvalid = "CONFIRMATION_INVALID", Unauthorized, "电子社保卡扫码确认无效（签名校验未通过）。";
    ConfirmationExpired = "CONFIRMATION_EXPIRED", Unauthorized, "电子社保卡扫码确认已过期，请重新扫码。";
    /// Too many failed sign-ins; `Retry-After` gives the seconds.
    SigninThrottled = "SIGNIN_THROTTLED", TooManyRequests, "登录失败次数过多，请稍后再试。";
    /// Signed in with a one-time password that is not replaced yet.
    PasswordChangeRequired = "PASSWORD_CHANGE_REQUIRED", Forbidden, "您使用的是初始密码，请先修改密码后再办理业务。";
    /// Only the unit's legal representative may do this (R-AUTH-4).
    LegalRepOnly = "LEGAL_REP_ONLY", Forbidden, "只有单位法人账号可以办理此业务（经办人及接口凭证的增加、变更、删除须由法人办理）。";
    NotAnAgent = "NOT_AN_AGENT", Forbidden, "您不是任何参保单位登记的经办人或法定代表人，不能登录单位网上办事大厅。请联系单位法人办理经办人授权。";
    UnitNotAllowed = "UNIT_NOT_ALLOWED", Forbidden, "您不是该单位登记的经办人或法定代表人，不能代表该单位登录。";
    AccountNotFound = "ACCOUNT_NOT_FOUND", NotFound, "该单位尚未开通法人账号。";
    CurrentPasswordIncorrect = "CURRENT_PASSWORD_INCORRECT", Unprocessable, "当前密码不正确。";
    PasswordUnchanged = "PASSWORD_UNCHANGED", Unprocessable, "新密码不能与当前密码相同。";
    PasswordChangedMeanwhile = "PASSWORD_CHANGED_MEANWHILE", Conflict, "密码刚刚已被修改，请重新登录后再试。";
    /// The QR ticket is unknown (or long gone).
    QrTicketUnknown = "QR_TICKET_UNKNOWN", Gone, "二维码无效或已过期，请刷新二维码后重新扫码。";
    QrTicketExpired = "QR_TICKET_EXPIRED", Gone, "二维码已过期，请刷新二维码后重新扫码。";
    QrTicketConsumed = "QR_TICKET_CONSUMED", Conflict, "该二维码已完成登录，不能重复使用，请刷新二维码。";
    QrNotConfirmed = "QR_NOT_CONFIRMED", Conflict, "尚未在电子社保卡中确认登录，请扫码确认后再试。";
    /// The confirmation was used before, or the ticket is confirmed already.
    Replayed = "REPLAYED", Conflict, "该扫码确认已处理过（二维码已被确认或已使用），不能重复提交。";

    // ------------------------------------------------ units and their accounts (R-UNIT-*)
    UnitNotFound = "UNIT_NOT_FOUND", NotFound, "单位不存在。";
    UnitExists = "UNIT_EXISTS", Conflict, "该单位已办理参保登记。";
    RegistrationRefused = "REGISTRATION_REFUSED", Unprocessable, "单位参保登记信息不符合规定，请按提示修改。";
    /// 404 for the region addressed (a quote, its parameters); 422 for one
    /// named in a unit's registration.
    RegionNotFound = "REGION_NOT_FOUND", NotFound | Unprocessable, "参保地不存在或未开通。";
    UsccInUse = "USCC_IN_USE", Conflict, "该统一社会信用代码已被其他参保单位使用，不能变更为此代码。";
    UsccExceptionExists = "USCC_EXCEPTION_EXISTS", Conflict, "该统一社会信用代码的例外已经登记。";
    UsccExceptionNotNeeded = "USCC_EXCEPTION_NOT_NEEDED", Unprocessable, "统一社会信用代码校验通过，无需登记例外。";
    KeyInfoNeedsReview = "KEY_INFO_NEEDS_REVIEW", Unprocessable, "单位名称、统一社会信用代码和法定代表人属于关键信息，不能在此直接修改：请通过关键信息变更申请（POST /api/v1/portal/key-change-requests）提交并上传证明材料，经经办机构审核后变更。";
    KeyChangeRequestNotFound = "KEY_CHANGE_REQUEST_NOT_FOUND", NotFound, "关键信息变更申请不存在。";
    NoKeyChange = "NO_KEY_CHANGE", Unprocessable, "申请内容与单位现有关键信息相同，没有需要变更的内容。";
    ReviewPending = "REVIEW_PENDING", Conflict, "本单位已有一笔同类申请正在审核中，请等待审核结束后再提交。";
    AgentExists = "AGENT_EXISTS", Conflict, "该人员已是本单位的经办人，无需重复添加；如需修改其信息，请使用变更功能。";
    AgentNotFound = "AGENT_NOT_FOUND", NotFound, "经办人不存在或已被删除。";
    BankAccountNotFound = "BANK_ACCOUNT_NOT_FOUND", NotFound, "银行账户不存在或已被删除。";
    BankAccountConflict = "BANK_ACCOUNT_CONFLICT", Conflict, "退收银行账户刚被其他操作修改，请刷新后重试。";
    AccountNameMismatch = "ACCOUNT_NAME_MISMATCH", Unprocessable, "退收银行账户的户名须为本单位名称。";
    ApiKeyNotFound = "API_KEY_NOT_FOUND", NotFound, "未找到该接口凭证。";
    ApiKeyAlreadyRevoked = "API_KEY_ALREADY_REVOKED", Conflict, "该接口凭证已于此前作废。";
    WebhookNotFound = "WEBHOOK_NOT_FOUND", NotFound, "未找到该事件推送地址。";
    WebhookRemoved = "WEBHOOK_REMOVED", Conflict, "该事件推送地址已删除。";
    WebhookLimitReached = "WEBHOOK_LIMIT_REACHED", Conflict, "本单位已登记10个事件推送地址，请先删除不用的地址。";
    WebhookDeliveryNotFound = "WEBHOOK_DELIVERY_NOT_FOUND", NotFound, "未找到该条推送记录。";
    InsuranceAlreadyRegistered = "INSURANCE_ALREADY_REGISTERED", Conflict, "本单位已参加该险种，无需重复登记。";
    /// 404 for the unit's insurance addressed; 422 for one named in an enrolment.
    InsuranceNotRegistered = "INSURANCE_NOT_REGISTERED", NotFound | Unprocessable, "本单位未参加该险种。";
    InsuranceAlreadyStopped = "INSURANCE_ALREADY_STOPPED", Conflict, "本单位的该险种已经减少（暂停缴费）。";
    ActiveEmployments = "ACTIVE_EMPLOYMENTS", Conflict, "本单位尚有人员正在参加该险种，请先为这些人员办理停保（人员减少）后再减少险种。";
    /// 422 for an employee's last insurance (suspend instead); 409 for the
    /// unit's last insurance.
    LastInsurance = "LAST_INSURANCE", Unprocessable | Conflict, "这是最后一个在参的险种，不能减少。";
    StartPeriodNotAllowed = "START_PERIOD_NOT_ALLOWED", Unprocessable, "开始缴费的期号不符合规定。";
    StopPeriodNotAllowed = "STOP_PERIOD_NOT_ALLOWED", Unprocessable, "停止缴费的期号不符合规定。";

    // ------------------------------------------------ materials (证明材料)
    /// 404 for the material addressed; 422 for one referenced by an application.
    MaterialNotFound = "MATERIAL_NOT_FOUND", NotFound | Unprocessable, "材料不存在。";
    MaterialRequired = "MATERIAL_REQUIRED", Unprocessable, "请上传证明材料。";
    MaterialTooLarge = "MATERIAL_TOO_LARGE", PayloadTooLarge, "材料文件过大。";
    UnsupportedMaterialType = "UNSUPPORTED_MATERIAL_TYPE", UnsupportedMediaType, "材料格式不支持：只能上传PDF文件或JPEG、PNG图片（按文件内容识别，修改文件扩展名无效）。";
    EmptyMaterial = "EMPTY_MATERIAL", BadRequest, "上传的文件是空的，请重新选择文件。";
    BadMultipart = "BAD_MULTIPART", BadRequest, "上传请求的格式不正确。";

    // ------------------------------------------------ employees and persons (R-EMP-*)
    PersonNotFound = "PERSON_NOT_FOUND", NotFound, "没有该个人编号的参保人员。";
    PersonNotActive = "PERSON_NOT_ACTIVE", Unprocessable, "申报人员须为本单位在职参保职工";
    AlreadyEnrolled = "ALREADY_ENROLLED", Conflict, "该人员已在本单位参保。";
    /// Active in another unit (an enrolment; the undo of a stop).
    ActiveElsewhere = "ACTIVE_ELSEWHERE", Conflict, "该人员目前在其他单位处于参保缴费状态。";
    IdentityMismatch = "IDENTITY_MISMATCH", Unprocessable, "姓名与证件号码登记的信息不一致。";
    NotActive = "NOT_ACTIVE", Conflict, "该人员在本单位已暂停缴费。";
    NotCurrentEmployer = "NOT_CURRENT_EMPLOYER", Conflict, "该人员目前在其他单位参保缴费，基本信息由现参保单位维护，本单位不能变更";
    KeyFieldCounterOnly = "KEY_FIELD_COUNTER_ONLY", Forbidden, "姓名、证件号码等关键信息须由经办机构柜台凭证明材料变更，网上只能变更联系电话、地址等一般信息。";
    StartDateInFuture = "START_DATE_IN_FUTURE", Unprocessable, "参保日期不能晚于今天。";
    UnderWorkingAge = "UNDER_WORKING_AGE", Unprocessable, "该人员在所述期间未满法定劳动年龄。";
    StartBeforeFirstWork = "START_BEFORE_FIRST_WORK", Unprocessable, "参保日期不能早于参加工作日期。";
    StopDateInvalid = "STOP_DATE_INVALID", Unprocessable, "停保日期不符合规定。";
    StatusInvalid = "STATUS_INVALID", Unprocessable, "人员特殊状态不符合规定。";
    IdNumberInUse = "ID_NUMBER_IN_USE", Conflict, "该证件号码已登记在其他个人编号下，属于一人多号，请办理一人多号合并。";
    NotSamePerson = "NOT_SAME_PERSON", Unprocessable, "两个个人编号的证件号码不同，不是同一人，不能合并";
    MergeConflict = "MERGE_CONFLICT", Conflict, "两个个人编号的参保关系冲突，不能合并。";

    // ------------------------------------------------ business items and undo (R-UNDO-1)
    BusinessItemNotFound = "BUSINESS_ITEM_NOT_FOUND", NotFound, "本单位没有该办件记录。";
    NotRevocableKind = "NOT_REVOCABLE_KIND", Conflict, "该类业务不能撤销。";
    AlreadyRevoked = "ALREADY_REVOKED", Conflict, "该业务已撤销。";
    NotRevocableStatus = "NOT_REVOCABLE_STATUS", Conflict, "该业务当前状态不能撤销。";
    LaterItemDepends = "LATER_ITEM_DEPENDS", Conflict, "该人员此后又办理了其他业务，请先撤销后办理的业务。";
    LineBilled = "LINE_BILLED", Conflict, "该业务产生的核定记录已开具缴费单，不能撤销。";
    LinePaid = "LINE_PAID", Conflict, "该业务产生的核定记录已缴费，不能撤销。";
    LineChanged = "LINE_CHANGED", Conflict, "该业务涉及的核定记录已被其他业务变更，不能撤销。";
    LineReferenced = "LINE_REFERENCED", Conflict, "该业务产生的核定记录已被缴费单等其他业务引用，不能撤销";
    StateChanged = "STATE_CHANGED", Conflict, "该人员的参保状态已被其他业务变更，不能撤销";
    RefundDepends = "REFUND_DEPENDS", Conflict, "该人员已据此停保申请多缴退费，停保不能撤销。";

    // ------------------------------------------------ declarations and policy (R-DECL-*, R-WAGE-*, R-POL-*)
    NotCurrentPeriod = "NOT_CURRENT_PERIOD", Unprocessable, "只能申报当前费款所属期。";
    PeriodGap = "PERIOD_GAP", Unprocessable, "费款所属期不连续。";
    WageDeclarationMissing = "WAGE_DECLARATION_MISSING", Unprocessable, "尚未办理该社保年度的缴费工资申报。";
    InsuranceNotStarted = "INSURANCE_NOT_STARTED", Unprocessable, "单位在该期没有参保的险种，无需申报。";
    DeclarationNotFound = "DECLARATION_NOT_FOUND", NotFound, "该期尚未申报。";
    BackPayRefused = "BACK_PAY_REFUSED", Unprocessable, "该期不能补缴申报。";
    WageDeclarationNotFound = "WAGE_DECLARATION_NOT_FOUND", NotFound, "单位尚未办理该社保年度的缴费工资申报";
    WageWindowClosed = "WAGE_WINDOW_CLOSED", Unprocessable, "不在缴费工资申报期内。";
    CommitmentNotConfirmed = "COMMITMENT_NOT_CONFIRMED", Unprocessable, "请阅读并确认《缴费工资申报承诺书》后再提交申报";
    /// No policy parameters (rates, bounds, windows…) for the region and period.
    PolicyNotInForce = "POLICY_NOT_IN_FORCE", Unprocessable, "参保地没有该期的政策参数。";
    PolicyInvalidRange = "POLICY_INVALID_RANGE", Unprocessable, "政策参数的起止期号不正确。";
    PolicyOverlap = "POLICY_OVERLAP", Unprocessable, "政策参数与已有参数的期间重叠。";
    PolicyGap = "POLICY_GAP", Unprocessable, "政策参数的期间不连续。";
    PolicyInvalidBounds = "POLICY_INVALID_BOUNDS", Unprocessable, "缴费基数上下限不正确。";
    DateOutOfRange = "DATE_OUT_OF_RANGE", Unprocessable, "日期超出可办理的范围。";

    // ------------------------------------------------ back pay (R-BACK-*)
    PeriodsReversed = "PERIODS_REVERSED", Unprocessable, "起始期号不能晚于终止期号。";
    PeriodInFuture = "PERIOD_IN_FUTURE", Unprocessable, "不能补缴未来的月份。";
    CurrentMonth = "CURRENT_MONTH", Unprocessable, "当月应通过月度申报缴费，不能补缴。";
    WithinOnlineWindow = "WITHIN_ONLINE_WINDOW", Unprocessable, "该期间可在网上直接补缴申报，无需申请。";
    AlreadyAssessed = "ALREADY_ASSESSED", Conflict, "该期间已有核定记录。";
    NotInsuredHere = "NOT_INSURED_HERE", Unprocessable, "该人员未在本单位参加该险种，不能申请补缴该险种";
    NothingToAssess = "NOTHING_TO_ASSESS", Unprocessable, "申请的月份均不能核定。";
    BackPayApplicationNotFound = "BACK_PAY_APPLICATION_NOT_FOUND", NotFound, "补缴申请不存在。";

    // ------------------------------------------------ payment orders (R-ORD-*)
    NothingToBill = "NOTHING_TO_BILL", Unprocessable, "没有待开具应缴认定单的核定明细（均已在有效的认定单上或已缴费）";
    OrderNotFound = "ORDER_NOT_FOUND", NotFound, "没有找到该应缴认定单";
    OrderNotLive = "ORDER_NOT_LIVE", Conflict, "该应缴认定单已失效，不能撤销";
    OrderInvoiced = "ORDER_INVOICED", Conflict, "税务机关已对该应缴认定单开票，不能撤销；未缴费的认定单过有效期后自动失效。";
    OrderNumbersExhausted = "ORDER_NUMBERS_EXHAUSTED", Unavailable, "应缴认定单开具繁忙，请稍后重试。";

    // ------------------------------------------------ the tax bureau's messages (R-PAY-*)
    /// The message cannot be read.
    MalformedMessage = "MALFORMED_MESSAGE", BadRequest, "报文格式错误。";
    /// A serial used before for a different message.
    SerialReused = "SERIAL_REUSED", Conflict, "该流水号已用于另一笔内容不同的报文，请使用新的流水号";
    OrderRevoked = "ORDER_REVOKED", Conflict, "应缴认定单已撤销。";
    OrderExpired = "ORDER_EXPIRED", Conflict, "应缴认定单已过有效期。";
    OrderAlreadyPaid = "ORDER_ALREADY_PAID", Conflict, "应缴认定单已缴费。";
    OrderAlreadyInvoiced = "ORDER_ALREADY_INVOICED", Conflict, "应缴认定单已开票。";
    OrderNotInvoiced = "ORDER_NOT_INVOICED", Conflict, "应缴认定单尚未开票。";
    AmountMismatch = "AMOUNT_MISMATCH", Unprocessable, "金额与应缴认定单不符。";
    PaidAfterDueDate = "PAID_AFTER_DUE_DATE", Unprocessable, "扣款时间晚于应缴认定单的缴费期限。";
    /// The order was reissued after it expired: pay the new one.
    OrderReissued = "ORDER_REISSUED", Conflict, "应缴认定单已过期并重新开具，请按新认定单缴费。";
    PaidBeforeIssueDate = "PAID_BEFORE_ISSUE_DATE", Unprocessable, "扣款时间早于应缴认定单的开具日期。";
    PaymentNotFound = "PAYMENT_NOT_FOUND", NotFound, "被冲正的缴费流水不存在或未登账。";
    PaymentAlreadyReversed = "PAYMENT_ALREADY_REVERSED", Conflict, "缴费流水已被冲正，不能重复冲正。";
    ReversalMismatch = "REVERSAL_MISMATCH", Unprocessable, "冲正报文与原缴费流水不符（认定单号或金额不一致）。";
    RefundExists = "REFUND_EXISTS", Conflict, "认定单已有退费申请，不能冲正，请先处理退费。";

    // ------------------------------------------------ refunds (R-REF-*)
    NoRefundAccount = "NO_REFUND_ACCOUNT", Unprocessable, "本单位尚未登记退收银行账户，不能申请退费：请先由单位法人在“银行账户”中登记退收银行账户（户名须为本单位名称），再申请退费。";
    NotSuspended = "NOT_SUSPENDED", Unprocessable, "该人员在本单位没有停保，不能申请多缴退费。";
    NothingToRefund = "NOTHING_TO_REFUND", Unprocessable, "没有可以退费的缴费记录。";
    /// A month already under a live refund application.
    LineUnderRefund = "LINE_UNDER_REFUND", Conflict, "该月的缴费已在退费申请中。";
    AlreadyRefunded = "ALREADY_REFUNDED", Unprocessable, "该月的缴费已退费。";
    AmountAbovePrincipal = "AMOUNT_ABOVE_PRINCIPAL", Unprocessable, "申请退费的金额超过可退金额。";
    NotPaid = "NOT_PAID", Unprocessable, "该月没有到账的缴费，不能退费。";
    StopMonth = "STOP_MONTH", Unprocessable, "停保当月的缴费不能退费。";
    BeforeStop = "BEFORE_STOP", Unprocessable, "停保之前月份的缴费不能退费。";
    OutsideRefundWindow = "OUTSIDE_REFUND_WINDOW", Unprocessable, "该月不在网上可申请退费的期间内。";
    InjuryOnlyNotRefundable = "INJURY_ONLY_NOT_REFUNDABLE", Unprocessable, "工伤保险的缴费不能申请多缴退费。";
    RefundNotFound = "REFUND_NOT_FOUND", NotFound, "没有找到该退费单。";
    RefundState = "REFUND_STATE", Conflict, "退费申请当前状态不能审核。";
    RefundLineNotPaid = "REFUND_LINE_NOT_PAID", Conflict, "退费涉及的缴费已不是到账状态，不能批准退费，请核实后驳回。";
    RefundNotApproved = "REFUND_NOT_APPROVED", Conflict, "退费申请尚未批准，不能支付。";
    DeferralNotAllowed = "DEFERRAL_NOT_ALLOWED", Unprocessable, "该月份不在本地区允许缓缴的期间内，不能确认缓缴。";
    DeferralPastRepayBy = "DEFERRAL_PAST_REPAY_BY", Unprocessable, "缓缴补缴截止日期已过，不能再确认缓缴。";

    // ------------------------------------------------ review (审核)
    TaskNotFound = "TASK_NOT_FOUND", NotFound, "审核任务不存在。";
    TaskNotClaimed = "TASK_NOT_CLAIMED", Conflict, "该审核任务尚未认领，请先认领后再办理。";
    TaskClaimed = "TASK_CLAIMED", Conflict, "该审核任务已由其他审核人员认领，不能重复认领。";
    TaskDecided = "TASK_DECIDED", Conflict, "该审核任务已办结，不能再变更。";
    TaskState = "TASK_STATE", Conflict, "该审核任务当前状态不允许此操作。";

    // ------------------------------------------------ certificates (参保证明)
    CertificateNotFound = "CERTIFICATE_NOT_FOUND", NotFound, "没有该授权码的参保证明，请核对授权码。";
    CertificateExpired = "CERTIFICATE_EXPIRED", Gone, "该参保证明出具已超过3个月，验证期已过，不能再验证；请向出具单位索取新的参保证明。";
    CertificateNotAccounted = "CERTIFICATE_NOT_ACCOUNTED", Unprocessable, "该险种尚无做账期号（本单位还未申报过缴费），不能开具参保证明。";
    CertificateNoPaidMonths = "CERTIFICATE_NO_PAID_MONTHS", Unprocessable, "所选时间内没有实缴到账的缴费记录，不能开具参保证明。";
    CertificatePersonUnknown = "CERTIFICATE_PERSON_UNKNOWN", Unprocessable, "所选人员不是本单位的参保缴费人员。";
    CertificateLookupThrottled = "CERTIFICATE_LOOKUP_THROTTLED", TooManyRequests, "验证失败次数过多，请稍后再试。";

    // ------------------------------------------------ batch imports (导盘) and jobs
    ImportFileTooLarge = "IMPORT_FILE_TOO_LARGE", PayloadTooLarge, "导入文件过大，请拆分后分批导入。";
    ImportTooManyRows = "IMPORT_TOO_MANY_ROWS", PayloadTooLarge, "导入文件行数过多，请拆分后分批导入。";
    ImportTypeMismatch = "IMPORT_TYPE_MISMATCH", UnsupportedMediaType, "文件类型与文件内容不符，请上传由模板填写的.xlsx或.csv文件。";
    ImportNotAWorkbook = "IMPORT_NOT_A_WORKBOOK", Unprocessable, "文件不是Excel工作簿(.xlsx)或CSV文件，请使用系统提供的模板填写后上传。";
    ImportTruncated = "IMPORT_TRUNCATED", Unprocessable, "文件已损坏或不完整，请重新保存后上传。";
    ImportZipBomb = "IMPORT_ZIP_BOMB", Unprocessable, "文件解压后过大，不能导入。";
    ImportMacroEnabled = "IMPORT_MACRO_ENABLED", Unprocessable, "不接受含宏的工作簿(.xlsm)，请另存为.xlsx后上传。";
    ImportEncrypted = "IMPORT_ENCRYPTED", Unprocessable, "工作簿设置了打开密码，请取消密码后上传。";
    ImportLegacyXls = "IMPORT_LEGACY_XLS", Unprocessable, "不接受旧版.xls文件，请另存为.xlsx后上传。";
    ImportWrongTemplate = "IMPORT_WRONG_TEMPLATE", Unprocessable, "文件不是由本业务的导入模板填写的，请下载系统提供的模板。";
    ImportTemplateOutdated = "IMPORT_TEMPLATE_OUTDATED", Unprocessable, "导入模板版本已更新，请下载最新模板后重新填写。";
    ImportTooManyColumns = "IMPORT_TOO_MANY_COLUMNS", Unprocessable, "文件列数过多，请使用系统提供的模板。";
    ImportEmpty = "IMPORT_EMPTY", Unprocessable, "文件中没有数据行。";
    ImportBadJson = "IMPORT_BAD_JSON", BadRequest, "导入数据格式不正确：rows应为对象数组。";
    ImportNotFound = "IMPORT_NOT_FOUND", NotFound, "没有找到该导盘记录。";
    ImportTemplateNotFound = "IMPORT_TEMPLATE_NOT_FOUND", NotFound, "没有该导入模板。可下载的模板：enrolment（职工参保登记）、suspension（职工停保）、wage_declaration（缴费工资申报）、insurance_change（职工险种增减）。";
    ImportNotValid = "IMPORT_NOT_VALID", Conflict, "导盘尚未校验通过，不能提交；请按校验报告修改后重新上传。";
    ImportDataChanged = "IMPORT_DATA_CHANGED", Conflict, "自校验以来单位数据已发生变化，部分行已不能办理，未提交任何数据；请查看校验报告。";
    ImportNotCommitted = "IMPORT_NOT_COMMITTED", Conflict, "只有已提交的导盘可以撤销。";
    ImportNotRevocable = "IMPORT_NOT_REVOCABLE", Conflict, "该导盘办理的业务已不能全部撤销，未撤销任何业务。";
    JobNotFound = "JOB_NOT_FOUND", NotFound, "没有找到该后台任务。";

    // ------------------------------------------------ retirement and pension (退休, 养老金)
    PensionDataMissing = "PENSION_DATA_MISSING", Unprocessable, "计算基本养老金所需的数据不全，请联系经办机构。";
    RetirementMonthInvalid = "RETIREMENT_MONTH_INVALID", Unprocessable, "所选退休月份不在可选择的范围内。";
    RetirementTooSoon = "RETIREMENT_TOO_SOON", Unprocessable, "退休申请须在退休月份前3个月内提出。";
    ContributionYearsShort = "CONTRIBUTION_YEARS_SHORT", Unprocessable, "累计缴费年限不足按月领取基本养老金的最低缴费年限。";
    EarlyRetirementRefused = "EARLY_RETIREMENT_REFUSED", Unprocessable, "不符合提前退休的条件。";
    RetirementPending = "RETIREMENT_PENDING", Conflict, "该职工已有退休申请正在审核中或已批准退休。";
    RetirementNotFound = "RETIREMENT_NOT_FOUND", NotFound, "没有找到该退休申请。";
    RetirementState = "RETIREMENT_STATE", Conflict, "退休申请当前状态不能审核。";
    HistoryOverlap = "HISTORY_OVERLAP", Conflict, "所录入月份已有缴费历史记录。";
    RetireeNotFound = "RETIREE_NOT_FOUND", NotFound, "本单位没有该离退休人员。";
    PensionEnded = "PENSION_ENDED", Conflict, "该人员的养老金已停止发放。";
    PensionSuspended = "PENSION_SUSPENDED", Conflict, "该人员的养老金已暂停发放。";
    PensionNotSuspended = "PENSION_NOT_SUSPENDED", Conflict, "该人员的养老金没有暂停发放。";
    QualificationRecorded = "QUALIFICATION_RECORDED", Conflict, "该年度的资格认证已登记。";
    DeathBenefitPending = "DEATH_BENEFIT_PENDING", Conflict, "该人员已有死亡待遇申领正在审核中或已批准。";
    DeathBenefitNotFound = "DEATH_BENEFIT_NOT_FOUND", NotFound, "没有找到该死亡待遇申领。";
    DeathDateInvalid = "DEATH_DATE_INVALID", Unprocessable, "死亡日期不正确。";
    PayrollNotFound = "PAYROLL_NOT_FOUND", NotFound, "该月的养老金发放尚未生成。";
    UnemploymentClaimRefused = "UNEMPLOYMENT_CLAIM_REFUSED", Unprocessable, "不符合领取失业保险金的条件。";
    UnemploymentStillInsured = "UNEMPLOYMENT_STILL_INSURED", Unprocessable, "该职工在本单位的失业保险尚未停保，请先办理停保。";
    UnemploymentClaimPending = "UNEMPLOYMENT_CLAIM_PENDING", Conflict, "该人员已有失业保险金申领正在审核中。";
    UnemploymentClaimNotFound = "UNEMPLOYMENT_CLAIM_NOT_FOUND", NotFound, "没有找到该失业保险金申领。";
    EmploymentNotEnded = "EMPLOYMENT_NOT_ENDED", Unprocessable, "该职工仍在本单位参保，不能出具终止或解除劳动合同证明。";
    ProjectRefused = "PROJECT_REFUSED", Unprocessable, "项目登记或变更不符合规定。";
    ProjectExists = "PROJECT_EXISTS", Conflict, "该项目编号已登记。";
    ProjectNotFound = "PROJECT_NOT_FOUND", NotFound, "没有找到该项目。";
    RosterRefused = "ROSTER_REFUSED", Unprocessable, "名册登记不符合规定。";
    WorkerOnRoster = "WORKER_ON_ROSTER", Conflict, "该人员已在本项目名册中。";
    WorkerNotFound = "WORKER_NOT_FOUND", NotFound, "本项目名册中没有该人员。";
    WorkerOffRoster = "WORKER_OFF_ROSTER", Conflict, "该人员已离场，无需重复办理。";
    TransferStillInsured = "TRANSFER_STILL_INSURED", Unprocessable, "该人员仍在本省参加企业职工基本养老保险：省内流动无需办理转移；跨省转出请先办理停保。";
    TransferNothingPaid = "TRANSFER_NOTHING_PAID", Unprocessable, "该人员没有养老保险缴费记录，无需出具参保缴费凭证。";
    /// A transfer in needs the person insured for pension at the unit.
    /// The voucher is issued by the unit where the person last paid.
    TransferNotLastUnit = "TRANSFER_NOT_LAST_UNIT", Unprocessable, "该人员在本省最后参保的单位不是本单位：参保缴费凭证由最后参保单位出具。";
    TransferNotInsuredHere = "TRANSFER_NOT_INSURED_HERE", Unprocessable, "该职工未在本单位参加企业职工基本养老保险，请先办理参保登记后再申请转入。";
    TransferOpen = "TRANSFER_OPEN", Conflict, "该人员已有正在办理的养老保险关系转移，不能重复申请。";
    TransferNotFound = "TRANSFER_NOT_FOUND", NotFound, "没有找到该养老保险关系转移。";
    /// The transfer is past the step asked for (answered, refused).
    TransferClosed = "TRANSFER_CLOSED", Conflict, "该养老保险关系转移已办结或已不予转移，不能再办理。";
    /// What the old place sent breaks R-TRANS-2 (`detail` says how).
    TransferAnswerInvalid = "TRANSFER_ANSWER_INVALID", Unprocessable, "转移信息不符合规定，请与转出地核对。";
    /// Months sent are already in the person's recognised history.
    TransferHistoryOverlap = "TRANSFER_HISTORY_OVERLAP", Conflict, "转入的缴费期间与该人员已核定的缴费历史重叠，请由经办机构核对。";
    /// The relation has been transferred out of the province.
    TransferredOut = "TRANSFERRED_OUT", Unprocessable, "该人员的养老保险关系已转出本省。";
    StabilisationRefused = "STABILISATION_REFUSED", Unprocessable, "不符合稳岗返还的条件。";
    StabilisationExists = "STABILISATION_EXISTS", Conflict, "本单位该年度已申请稳岗返还，不能重复申请。";
    StabilisationNotFound = "STABILISATION_NOT_FOUND", NotFound, "没有找到该稳岗返还申请。";
    StabilisationNotApproved = "STABILISATION_NOT_APPROVED", Conflict, "该稳岗返还申请尚未审核通过或已支付，不能支付。";
    PayrollMonthInvalid = "PAYROLL_MONTH_INVALID", Unprocessable, "只能生成本月或以前月份的养老金发放。";

    // ------------------------------------------------ public services
    /// A certificate's verification value is not an identifier we issue.
    IdentifierInvalid = "IDENTIFIER_INVALID", Unprocessable, "验证码格式不正确。";
}

impl ErrorCode {
    /// The HTTP status of [`ErrorCode::kind`].
    pub const fn status(self) -> u16 {
        self.kind().status()
    }

    /// Whether this code may be answered with `kind`.
    pub fn allows(self, kind: ErrorKind) -> bool {
        self.kinds().contains(&kind)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn has_chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_code_has_one_wire_string_in_screaming_snake_case() {
        let mut seen = HashSet::new();
        for &code in ErrorCode::ALL {
            let wire = code.as_str();
            assert!(seen.insert(wire), "duplicate wire string {wire}");
            assert!(
                !wire.is_empty()
                    && !wire.starts_with('_')
                    && !wire.ends_with('_')
                    && !wire.contains("__")
                    && wire
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{wire} is not SCREAMING_SNAKE_CASE"
            );
            // serde's name (what clients see) is the written-out one.
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{wire}\""),
                "{code:?}"
            );
            let back: ErrorCode = serde_json::from_str(&format!("\"{wire}\"")).unwrap();
            assert_eq!(back, code);
            assert_eq!(ErrorCode::parse(wire), Some(code));
        }
        assert_eq!(seen.len(), ErrorCode::ALL.len());
        assert_eq!(ErrorCode::parse("PERIOD_GAP"), Some(ErrorCode::PeriodGap));
        assert_eq!(ErrorCode::parse("period_gap"), None);
        assert!(serde_json::from_str::<ErrorCode>("\"NO_SUCH_CODE\"").is_err());
    }

    #[test]
    fn every_code_has_a_chinese_default_detail_and_a_refusal_status() {
        for &code in ErrorCode::ALL {
            let detail = code.default_detail();
            assert!(!detail.trim().is_empty(), "{code}");
            assert!(has_chinese(detail), "{code}: {detail}");
            let kinds = code.kinds();
            assert!(!kinds.is_empty(), "{code}");
            assert_eq!(kinds[0], code.kind());
            let distinct: HashSet<_> = kinds.iter().collect();
            assert_eq!(distinct.len(), kinds.len(), "{code}: repeated kind");
            for k in kinds {
                assert!((400..600).contains(&k.status()), "{code}");
                assert!(code.allows(*k));
            }
        }
    }

    #[test]
    fn only_the_four_known_codes_have_two_statuses() {
        let mut dual: Vec<_> = ErrorCode::ALL
            .iter()
            .filter(|c| c.kinds().len() > 1)
            .map(|c| c.as_str())
            .collect();
        dual.sort_unstable();
        assert_eq!(
            dual,
            [
                "INSURANCE_NOT_REGISTERED",
                "LAST_INSURANCE",
                "MATERIAL_NOT_FOUND",
                "REGION_NOT_FOUND"
            ]
        );
    }

    #[test]
    fn statuses_of_the_kinds_are_distinct_and_round_trip() {
        let mut seen = HashSet::new();
        for &k in ErrorKind::ALL {
            assert!(seen.insert(k.status()), "{k:?}");
            assert_eq!(ErrorKind::of_status(k.status()), Some(k));
        }
        assert_eq!(ErrorKind::of_status(418), None);
        assert_eq!(ErrorCode::PeriodGap.status(), 422);
        assert_eq!(ErrorCode::RegionNotFound.status(), 404);
        assert!(ErrorCode::RegionNotFound.allows(ErrorKind::Unprocessable));
        assert!(!ErrorCode::PeriodGap.allows(ErrorKind::NotFound));
    }
}
