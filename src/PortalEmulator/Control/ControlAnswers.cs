using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PortalEmulator.Control;

// What the control API answers, as records: the endpoints write them and the typed client in
// tests/TestSupport/EmulatorControl.cs reads them, so the shapes are stated once (JSON in camelCase).

/// <summary>A user of a new portal with a fresh token pair.</summary>
public sealed record EmulatedUser(int Id, bool Admin, string AccessToken, string RefreshToken);

/// <summary><c>POST /_emulator/portals</c>: the new portal, where it listens, and its users.</summary>
public sealed record EmulatedPortal(string MemberId, string Domain, string ClientEndpoint, string OAuthServer, string ApplicationToken, IReadOnlyList<EmulatedUser> Users)
{
    /// <summary>The portal's first administrator.</summary>
    [JsonIgnore]
    public EmulatedUser Admin => Users.First(u => u.Admin);

    /// <summary>The portal's first user who is not an administrator.</summary>
    [JsonIgnore]
    public EmulatedUser Manager => Users.First(u => !u.Admin);
}

/// <summary><c>POST …/users/{userId}/tokens</c>: a fresh token pair of the user.</summary>
public sealed record IssuedTokens(string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>How the app answered a POST the portal sent it (its page, or an event).</summary>
/// <param name="AccessToken">Of a page POST: the user's access token the portal put in it.</param>
public sealed record AppAnswer(int Status, string Body, string? ContentSecurityPolicy = null, string? AccessToken = null, string? RefreshToken = null);

/// <summary><c>POST …/move</c>: the portal's new address.</summary>
public sealed record MovedPortal(string Domain, string ClientEndpoint);

/// <summary><c>POST …/app</c>: the app's application token after the change.</summary>
public sealed record AppTokenAnswer(string ApplicationToken);

/// <summary><c>POST …/load</c>: of the requests another app spent, those the bucket took.</summary>
public sealed record LoadAnswer(int Accepted, int Rejected);

/// <summary><c>POST /_emulator/tokens/expire-all</c>: how many access tokens expired.</summary>
public sealed record ExpiredTokens(int Expired);

/// <summary><c>POST …/contacts</c> and <c>POST …/companies</c>: the ids of the records added, consecutive.</summary>
public sealed record RecordsAdded(int FirstId, int LastId);

/// <summary><c>POST …/calllists</c>: the id of the call list added.</summary>
public sealed record CallListAdded(int Id);

/// <summary><c>GET /_emulator/secrets</c>: every secret the emulator ever issued, for tests that look for leaks.</summary>
public sealed record IssuedSecrets(IReadOnlyList<string> Tokens, IReadOnlyList<string> ApplicationTokens, IReadOnlyList<string> ClientSecrets);

/// <summary><c>GET …/requests</c>: one REST call the portal answered (<c>At</c>: Unix milliseconds of its arrival).</summary>
public sealed record LoggedRequest(string Method, JsonNode? Params, int? UserId, int Status, string? Error, bool InBatch, long At);

/// <summary><c>GET /_emulator/oauth/requests</c>: one call the OAuth server answered.</summary>
public sealed record OAuthRequest(string Path, string? GrantType, string? ClientId, int Status, string? Error);

/// <summary><c>GET /_emulator/portals/{memberId}</c>: the portal's state as its administrator would see it.</summary>
public sealed record PortalState(
    string MemberId,
    string Domain,
    string ClientEndpoint,
    bool Deleted,
    AppState App,
    IReadOnlyList<UserState> Users,
    IReadOnlyList<PlacementState> Placements,
    IReadOnlyList<WebFormState> WebForms,
    IReadOnlyList<CallListState> CallLists,
    int Contacts,
    int Companies)
{
    public CallListState CallList(int id) => CallLists.Single(l => l.Id == id);
}

public sealed record AppState(string ClientId, bool InstallFinished, string? HandlerUrl, string? InstallUrl, bool Deleted, bool Uninstalled, bool PaymentRequired, string Scope);

/// <summary>A user and their rights (also the answer of <c>POST …/users/{userId}</c>).</summary>
public sealed record UserState(int Id, bool Admin, string CrmRead, bool Active, string Name, string LastName)
{
    public static UserState Of(Portals.PortalUser user) => new(user.Id, user.Admin, UserRights.CrmRead(user), user.Active, user.Name, user.LastName);
}

public sealed record PlacementState(string Placement, string Handler, string Title);

public sealed record WebFormState(int Id, string Name, bool Active);

public sealed record CallListState(int Id, string EntityType, int CreatedById, int? WebFormId, IReadOnlyList<CallListItemState> Items)
{
    [JsonIgnore]
    public IReadOnlyList<int> EntityIds => Items.Select(i => i.EntityId).ToList();
}

public sealed record CallListItemState(int EntityId, string Status);
