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
