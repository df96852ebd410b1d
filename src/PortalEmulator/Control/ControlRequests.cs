using System.ComponentModel.DataAnnotations;

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
    bool? IgnoreStart,
    [property: Range(0, 1_000_000, ErrorMessage = "'padRowsBytes' must be between 0 and 1000000")] int? PadRowsBytes);

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
