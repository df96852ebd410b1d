using System.Text.Json.Nodes;

namespace PortalEmulator.Portals;

/// <summary>The app registered in a portal: its OAuth credentials and install state.</summary>
public sealed class RegisteredApp
{
    public required string ClientId { get; init; }
    public required string ClientSecret { get; init; }
    public required string ApplicationToken
    {
        get => _applicationToken;
        set
        {
            _applicationToken = value;
            ApplicationTokenHistory.Add(value);
        }
    }

    string _applicationToken = "";

    /// <summary>Every application token the app has had here, for tests that look for secrets.</summary>
    public List<string> ApplicationTokenHistory { get; } = [];
    public string Scope { get; set; } = "crm,placement,user";
    public bool Deleted { get; set; }

    /// <summary>Removed from the portal by an administrator: every token the app had is revoked.</summary>
    public bool Uninstalled { get; set; }

    public bool PaymentRequired { get; set; }
    public bool InstallFinished { get; set; }
    public string? HandlerUrl { get; set; }
    public string? InstallUrl { get; set; }
    public string? EventHandlerUrl { get; set; }
}

public sealed class PortalUser
{
    public required int Id { get; init; }
    /// <summary>A portal administrator: reads every CRM record. An administrator may demote them at any time.</summary>
    public required bool Admin { get; set; }

    /// <summary>The CRM role's read right: every record, or only those assigned to the user (Bitrix24's "own").</summary>
    public bool ReadsAll { get; set; }

    /// <summary>A dismissed employee is inactive: still named on old records, left out of <c>user.get</c> filtered by <c>ACTIVE</c>.</summary>
    public bool Active { get; set; } = true;

    public required string Name { get; init; }
    public required string LastName { get; init; }
    public required string Email { get; init; }

    // Bitrix24's "own records" permission reads what is assigned to the user. The control API can give
    // even an administrator that role, which is how tests make a reader whose pages come back short.
    public bool CanRead(CrmEntity entity) => ReadsAll || entity.AssignedById == Id;

    /// <summary>
    /// A call list is a CRM activity: a user sees it when they read every record, created it, or read
    /// one of its participants; otherwise the portal answers as if it did not exist.
    /// </summary>
    public bool CanRead(CallList list, IReadOnlyDictionary<int, CrmEntity> entities) =>
        ReadsAll || list.CreatedById == Id || list.Items.Any(i => entities.TryGetValue(i.EntityId, out var e) && CanRead(e));
}

public sealed record CommunicationValue(int Id, string ValueType, string Value, string TypeId);

/// <summary>A contact (type 3) or a company (type 4).</summary>
public sealed class CrmEntity
{
    public const int ContactType = 3;
    public const int CompanyType = 4;

    public required int EntityTypeId { get; init; }
    public required int Id { get; init; }
    public required int AssignedById { get; set; }
    public required DateTime DateCreate { get; init; }
    public Dictionary<string, string?> Fields { get; } = new(StringComparer.Ordinal);
    public List<CommunicationValue> Phones { get; } = [];
    public List<CommunicationValue> Emails { get; } = [];

    public string EntityTypeName => EntityTypeId == ContactType ? "CONTACT" : "COMPANY";
}

public sealed class WebForm
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required bool Active { get; init; }
    public required bool IsCallback { get; init; }
}

public sealed class CallListItem
{
    public required int EntityId { get; init; }
    public string Status { get; set; } = "IN_WORK";
}

public sealed class CallList
{
    public required int Id { get; init; }
    public required int EntityTypeId { get; set; }
    public required int CreatedById { get; init; }
    public int? WebFormId { get; set; }
    public required DateTime DateCreate { get; init; }
    public List<CallListItem> Items { get; } = [];
}

public sealed class Activity
{
    public required int Id { get; init; }
    public required string ProviderId { get; init; }
    public required int AssociatedEntityId { get; init; }
    public required string Subject { get; init; }
    public required int ResponsibleId { get; init; }
}

/// <summary>Ways a broken or hostile portal misbehaves, switched on through the control API.</summary>
public sealed class PortalQuirks
{
    /// <summary>List methods answer the first page whatever <c>start</c> says.</summary>
    public bool IgnoreStart { get; set; }

    /// <summary>Rows of <c>crm.calllist.items.get</c> carry a field of this many characters more (a hostile portal's bulk).</summary>
    public int PadRowsBytes { get; set; }
}

public sealed record PlacementBinding(string Placement, string Handler, string Title, string ClientId);

/// <param name="At">When the request reached the portal (batch commands: their batch's arrival).</param>
public sealed record RequestLogEntry(string Method, JsonNode? Params, int? UserId, int Status, string? Error, bool InBatch, DateTimeOffset At);

/// <summary>One emulated Bitrix24 account (portal) with its CRM data, limits and faults.</summary>
public sealed class Portal
{
    public required string MemberId { get; init; }
    public required string Domain { get; set; }
    public required RegisteredApp App { get; init; }
    public string Language { get; init; } = "en";
    public string LicenseStatus { get; init; } = "L";

    public string ClientEndpoint => $"http://{Domain}/rest/";

    /// <summary>Guards every piece of mutable state below.</summary>
    public Lock Sync { get; } = new();

    public List<PortalUser> Users { get; } = [];
    public Dictionary<int, CrmEntity> Contacts { get; } = [];
    public Dictionary<int, CrmEntity> Companies { get; } = [];
    public List<WebForm> WebForms { get; } = [];
    public Dictionary<int, CallList> CallLists { get; } = [];
    public Dictionary<int, Activity> Activities { get; } = [];
    public List<PlacementBinding> Placements { get; } = [];
    public List<RequestLogEntry> RequestLog { get; } = [];

    public int NextCallListId { get; set; } = 1;
    public int NextActivityId { get; set; } = 1;

    public bool Deleted { get; set; }

    public required LeakyBucket Bucket { get; init; }
    public required OperatingMeter Operating { get; init; }
    public FaultBook Faults { get; } = new();
    public PortalQuirks Quirks { get; } = new();

    public PortalUser? FindUser(int id) => Users.FirstOrDefault(u => u.Id == id);

    int _opens;

    /// <summary>An open without options sends no PLACEMENT_OPTIONS at all, or <c>[]</c>, turn about, as portals do.</summary>
    public string? NextEmptyPlacementOptions() => Interlocked.Increment(ref _opens) % 2 == 1 ? null : "[]";

    public Dictionary<int, CrmEntity> EntitiesOf(int entityTypeId) =>
        entityTypeId == CrmEntity.ContactType ? Contacts : Companies;
}
