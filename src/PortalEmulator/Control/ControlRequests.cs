using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PortalEmulator.Control;

// Typed bodies of the control API, validated by ASP.NET Core (AddValidation in EmulatorApp.cs): a body
// that is not JSON of this shape, or breaks a rule here, answers 400 {"error": "..."} before the handler runs.

/// <summary><c>POST /_emulator/portals/{memberId}/users/{userId}</c>: a portal administrator changes a user's rights.</summary>
public sealed record UserRightsChange(
    bool? Admin,
    [property: AllowedValues("all", "own", null, ErrorMessage = "'crmRead' must be \"all\" or \"own\"")] string? CrmRead,
    bool? Active);

/// <summary><c>POST /_emulator/portals/{memberId}/contacts</c>: generated contacts, created now, optionally in a segment.</summary>
public sealed record NewContacts(
    [property: Required(ErrorMessage = "'count' is required")]
    [property: Range(1, 100_000, ErrorMessage = "'count' must be between 1 and 100000")] int? Count,
    [property: Range(1, int.MaxValue, ErrorMessage = "'assignedById' must be a user id")] int? AssignedById,
    string? LastName,
    string? TypeId,
    string? SourceId,
    [property: Range(1, int.MaxValue, ErrorMessage = "'companyId' must be a company id")] int? CompanyId,
    bool? Phone);

/// <summary><c>POST /_emulator/portals/{memberId}/companies</c>: generated companies, created now.</summary>
public sealed record NewCompanies(
    [property: Required(ErrorMessage = "'count' is required")]
    [property: Range(1, 100_000, ErrorMessage = "'count' must be between 1 and 100000")] int? Count,
    [property: StringLength(100, MinimumLength = 1, ErrorMessage = "'title' must be 1 to 100 characters")] string? Title,
    [property: Range(1, int.MaxValue, ErrorMessage = "'assignedById' must be a user id")] int? AssignedById);

/// <summary><c>POST /_emulator/portals/{memberId}/calllists</c>: a call list put straight into the portal's data.</summary>
public sealed record NewCallList(
    [property: Required(ErrorMessage = "'entityType' is required")]
    [property: AllowedValues("CONTACT", "COMPANY", ErrorMessage = "'entityType' must be CONTACT or COMPANY")] string? EntityType,
    [property: Required(ErrorMessage = "'entityIds' must be a non-empty array of ids")]
    [property: MinLength(1, ErrorMessage = "'entityIds' must be a non-empty array of ids")] int[]? EntityIds,
    int? WebFormId,
    int? CreatedById);

/// <summary><c>POST /_emulator/tokens/expire</c>: an access token that from now on answers 401 expired_token.</summary>
public sealed record TokenExpiry([property: Required(AllowEmptyStrings = false, ErrorMessage = "'accessToken' is required")] string? AccessToken);

/// <summary><c>POST /_emulator/portals/{memberId}/quirks</c>: ways a broken or hostile portal misbehaves.</summary>
public sealed record QuirksChange(
    bool? IgnoreStart = null,
    [property: Range(0, 1_000_000, ErrorMessage = "'padRowsBytes' must be between 0 and 1000000")] int? PadRowsBytes = null);

/// <summary><c>POST /_emulator/portals/{memberId}/limits</c>: the portal's leaky bucket and operating time.</summary>
public sealed record LimitsChange(
    [property: Range(0.000001, double.MaxValue, ErrorMessage = "'drainPerSecond' must be above 0")] double? DrainPerSecond,
    [property: Range(1, double.MaxValue, ErrorMessage = "'capacity' must be at least 1")] double? Capacity,
    [property: Range(0, double.MaxValue, ErrorMessage = "'operatingLimitSeconds' must be 0 or more")] double? OperatingLimitSeconds);

/// <summary><c>POST /_emulator/portals/{memberId}/load</c>: requests another app spends from the portal's bucket.</summary>
public sealed record ExternalLoadRequest(
    [property: Required(ErrorMessage = "'requests' is required")]
    [property: Range(1, 100_000, ErrorMessage = "'requests' must be between 1 and 100000")] int? Requests);

/// <summary><c>POST /_emulator/portals/{memberId}/operating</c>: operating time a method has used.</summary>
public sealed record OperatingTimeRequest(
    [property: Required(AllowEmptyStrings = false, ErrorMessage = "'method' is required")] string? Method,
    [property: Required(ErrorMessage = "'seconds' is required")] double? Seconds);

/// <summary>The app's registration on a portal: where its pages and events go, its scope, its state (each left as it is when absent).</summary>
public class AppSettings
{
    [Url(ErrorMessage = "'handlerUrl' must be an absolute URL")]
    public string? HandlerUrl { get; init; }

    [Url(ErrorMessage = "'installUrl' must be an absolute URL")]
    public string? InstallUrl { get; init; }

    [Url(ErrorMessage = "'eventHandlerUrl' must be an absolute URL")]
    public string? EventHandlerUrl { get; init; }

    public string? Scope { get; init; }

    public bool? Deleted { get; init; }

    public bool? Uninstalled { get; init; }

    public bool? PaymentRequired { get; init; }

    public bool? InstallFinished { get; init; }
}

/// <summary><c>POST /_emulator/portals</c>: a new portal with the app registered on it (its settings beside).</summary>
public sealed class NewPortal : AppSettings
{
    [Required(AllowEmptyStrings = false, ErrorMessage = "'clientId' is required")]
    public string? ClientId { get; init; }

    [Required(AllowEmptyStrings = false, ErrorMessage = "'clientSecret' is required")]
    public string? ClientSecret { get; init; }

    [AllowedValues("demo", "empty", null, ErrorMessage = "'seed' must be \"demo\" or \"empty\"")]
    public string? Seed { get; init; }

    /// <summary>The portal's language, a two-letter code as Bitrix24 sends in <c>LANG</c> (reference lists are named in Russian for "ru", else in English).</summary>
    [RegularExpression("^[a-z]{2}$", ErrorMessage = "'language' must be a two-letter code such as \"en\" or \"ru\"")]
    public string? Language { get; init; }
}

/// <summary><c>POST /_emulator/portals/{memberId}/app</c>: the app's settings change (a new application token on request).</summary>
public sealed class AppChange : AppSettings
{
    public bool? RotateApplicationToken { get; init; }
}

/// <summary>
/// <c>POST /_emulator/portals/{memberId}/install</c> and <c>/open</c>: the portal POSTs the app's page for a user
/// (<c>finish</c>: the installer's script then finishes the install).
/// </summary>
/// <param name="PlacementOptions">Sent as it is when a string, as JSON when an object or array; <c>null</c> leaves
/// the field out; absent, the portal picks the shape an ordinary open has.</param>
public sealed record AppPageRequest(
    [property: Url(ErrorMessage = "'url' must be an absolute URL")] string? Url = null,
    [property: Range(1, int.MaxValue, ErrorMessage = "'userId' must be a user id")] int? UserId = null,
    string? Lang = null,
    string? Placement = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] JsonElement PlacementOptions = default,
    bool? Finish = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PlacementOptions.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
        {
            yield return new ValidationResult("'placementOptions' must be a string, an object, an array or null", [nameof(PlacementOptions)]);
        }
    }
}

/// <summary><c>POST /_emulator/portals/{memberId}/events</c>: the portal sends an app event to the app's handler.</summary>
/// <param name="Uninstall">For ONAPPUNINSTALL: the portal removes the app first (the default), or only tells the app.</param>
/// <param name="WithTokens">For ONAPPINSTALL and ONAPPUPDATE: with a user's tokens (the default), or none.</param>
public sealed record AppEventRequest(
    [property: Required(AllowEmptyStrings = false, ErrorMessage = "'event' is required")]
    [property: RegularExpression("(?i)^(ONAPPINSTALL|ONAPPUPDATE|ONAPPUNINSTALL)$", ErrorMessage = "'event' must be ONAPPINSTALL, ONAPPUPDATE or ONAPPUNINSTALL")] string? Event,
    [property: Url(ErrorMessage = "'url' must be an absolute URL")] string? Url = null,
    [property: Range(1, int.MaxValue, ErrorMessage = "'userId' must be a user id")] int? UserId = null,
    string? ApplicationToken = null,
    bool? Uninstall = null,
    bool? Clean = null,
    bool? WithTokens = null);

/// <summary><c>POST /_emulator/portals/{memberId}/faults</c>: the portal's next answers on a method fail, hang or drop.</summary>
/// <param name="Skip">Calls let through before the fault starts.</param>
/// <param name="Share">Instead of a count: the share of calls that meet the fault, at random.</param>
public sealed record FaultRequest(
    [property: Required(AllowEmptyStrings = false, ErrorMessage = "'method' is required")] string? Method,
    int? Count = null,
    [property: Range(0, int.MaxValue, ErrorMessage = "'skip' must be 0 or more")] int? Skip = null,
    [property: Range(0.0, 1.0, ErrorMessage = "'share' must be between 0 and 1")] double? Share = null,
    [property: AllowedValues("error", "hang", "drop", "commitThenDrop", "commitThenHang", null,
        ErrorMessage = "'mode' must be error, hang, drop, commitThenDrop or commitThenHang")] string? Mode = null,
    [property: Range(200, 599, ErrorMessage = "'status' must be an HTTP status")] int? Status = null,
    string? Error = null,
    string? ErrorDescription = null,
    [property: Range(0, int.MaxValue, ErrorMessage = "'delayMs' must be 0 or more")] int? DelayMs = null,
    string? RawBody = null,
    string? Location = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((Count ?? 1) < 1 && (Share ?? 0) <= 0)
        {
            yield return new ValidationResult("'count' must be at least 1, or 'share' above 0", [nameof(Count)]);
        }

        if ((Mode ?? "error") == "error" && Error is null && RawBody is null)
        {
            yield return new ValidationResult("'error' (or 'rawBody') is required for mode error", [nameof(Error)]);
        }
    }
}

/// <summary><c>POST /_emulator/oauth/faults</c>: the OAuth server's next answers on <c>path</c> come late, or as an error.</summary>
/// <param name="Mode"><c>hang</c> (the default): late before anything happens; <c>commitThenHang</c>: the grant is made, then its answer is late.</param>
public sealed record OAuthFaultRequest(
    [property: Required(AllowEmptyStrings = false, ErrorMessage = "'path' is required")]
    [property: AllowedValues("token", "app.info", ErrorMessage = "'path' must be token or app.info")] string? Path,
    [property: Range(1, int.MaxValue, ErrorMessage = "'count' must be at least 1")] int? Count = null,
    [property: Range(0, int.MaxValue, ErrorMessage = "'delayMs' must be 0 or more")] int? DelayMs = null,
    string? Error = null,
    [property: Range(200, 599, ErrorMessage = "'status' must be an HTTP status")] int? Status = null,
    string? ErrorDescription = null,
    [property: AllowedValues("hang", "commitThenHang", null, ErrorMessage = "'mode' must be hang or commitThenHang")] string? Mode = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == "commitThenHang" && Error is not null)
        {
            yield return new ValidationResult("'mode' commitThenHang takes no 'error'", [nameof(Mode)]);
        }

        if (Error is null && (DelayMs ?? 0) == 0)
        {
            yield return new ValidationResult("a fault needs 'delayMs' above 0 or an 'error'", [nameof(DelayMs)]);
        }
    }
}
