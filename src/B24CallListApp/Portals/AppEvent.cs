using System.Globalization;

namespace B24CallListApp.Portals;

/// <summary>
/// An application event as Bitrix24 POSTs it (<c>ONAPPINSTALL</c>, <c>ONAPPUPDATE</c>,
/// <c>ONAPPUNINSTALL</c>): form-encoded with bracketed keys. Tokens come only when the event is tied
/// to a user, and never with an uninstall.
/// </summary>
public sealed record AppEvent
{
    public const string Install = "ONAPPINSTALL";
    public const string Update = "ONAPPUPDATE";
    public const string Uninstall = "ONAPPUNINSTALL";

    public required string Name { get; init; }
    public required string MemberId { get; init; }
    public string? AccessToken { get; init; }
    public string? RefreshToken { get; init; }
    public int ExpiresIn { get; init; } = 3600;
    public string? Domain { get; init; }
    public string? ServerEndpoint { get; init; }
    public string? ApplicationToken { get; init; }
    public string Language { get; init; } = "en";

    /// <summary><c>data[CLEAN]=1</c>: the administrator asked for the app's data to be deleted.</summary>
    public bool Clean { get; init; }

    public static bool IsEvent(IFormCollection form) => form.ContainsKey("event");

    /// <summary>Reads and checks the fields; null when the event cannot be what it claims.</summary>
    public static AppEvent? Read(IFormCollection form)
    {
        string? Field(string name) => form[name] is { Count: > 0 } values && values[0] is { Length: > 0 } value ? value : null;
        var name = Field("event")?.ToUpperInvariant();
        var memberId = Field("auth[member_id]");
        if (name is not (Install or Update or Uninstall) || !PortalFields.IsMemberId(memberId))
        {
            return null;
        }

        var accessToken = Field("auth[access_token]");
        var refreshToken = Field("auth[refresh_token]");
        var applicationToken = Field("auth[application_token]");
        var domain = Field("auth[domain]");
        var serverEndpoint = Field("auth[server_endpoint]");
        if ((accessToken is not null && !PortalFields.IsToken(accessToken)) || (refreshToken is not null && !PortalFields.IsToken(refreshToken))
            || (applicationToken is not null && !PortalFields.IsToken(applicationToken)) || (domain is not null && !PortalFields.IsDomain(domain))
            || (serverEndpoint is not null && !PortalFields.IsEndpoint(serverEndpoint)))
        {
            return null;
        }

        return new AppEvent
        {
            Name = name,
            MemberId = memberId!,
            AccessToken = accessToken,
            RefreshToken = refreshToken,
            ExpiresIn = int.TryParse(Field("auth[expires_in]"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? Math.Clamp(seconds, 60, 86_400) : 3600,
            Domain = domain,
            ServerEndpoint = serverEndpoint,
            ApplicationToken = applicationToken,
            Language = PortalFields.Language(Field("data[LANGUAGE_ID]")),
            Clean = Field("data[CLEAN]") is "1" or "Y",
        };
    }
}
