using System.Globalization;

namespace PortalEmulator.Portals;

/// <summary>
/// The POST a portal sends to the app's iframe on install and on every open: DOMAIN, PROTOCOL,
/// LANG and APP_SID in the query string, fresh tokens of the user in the form body.
/// </summary>
public sealed record AppFramePost(string Url, IReadOnlyDictionary<string, string> Fields, TokenGrant Grant)
{
    public static AppFramePost Create(Emulator emulator, Portal portal, int userId, string appUrl, bool install, string lang, string placement = "DEFAULT", string placementOptions = "{}")
    {
        var grant = emulator.IssueTokens(portal, userId);
        var query = $"DOMAIN={Uri.EscapeDataString(portal.Domain)}&PROTOCOL=0&LANG={Uri.EscapeDataString(lang)}&APP_SID={Emulator.RandomHex(8)}";
        var fields = new Dictionary<string, string>
        {
            ["AUTH_ID"] = grant.AccessToken,
            ["AUTH_EXPIRES"] = emulator.Options.AccessTokenLifetimeSeconds.ToString(CultureInfo.InvariantCulture),
            ["REFRESH_ID"] = grant.RefreshToken,
            ["SERVER_ENDPOINT"] = emulator.OAuthServer + "rest/",
            ["member_id"] = portal.MemberId,
            ["status"] = portal.LicenseStatus,
            ["PLACEMENT"] = placement,
            ["PLACEMENT_OPTIONS"] = placementOptions,
        };
        if (install)
        {
            fields["APPLICATION_TOKEN"] = portal.App.ApplicationToken;
            fields["APPLICATION_SCOPE"] = portal.App.Scope;
        }

        return new AppFramePost(appUrl + (appUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query, fields, grant);
    }
}
