using System.Globalization;

namespace PortalEmulator.Portals;

/// <summary>
/// The POST a portal sends to the app's iframe on install and on every open: DOMAIN, PROTOCOL,
/// LANG and APP_SID in the query string, fresh tokens of the user in the form body.
/// </summary>
/// <remarks>
/// <c>PLACEMENT_OPTIONS</c> takes the shapes real portals send: absent (the documented samples of a
/// DEFAULT open), <c>[]</c> (PHP's json_encode of an empty array) or a JSON object for a placement
/// opened with options. An ordinary open alternates between absent and <c>[]</c>.
/// </remarks>
public sealed record AppFramePost(string Url, IReadOnlyDictionary<string, string> Fields, TokenGrant Grant, string AppSid)
{
    /// <summary>Means: the portal's own choice of shape for an open without options.</summary>
    public const string DefaultOptions = "\u0000default";

    /// <param name="placementOptions">The raw PLACEMENT_OPTIONS; null leaves the field out; <see cref="DefaultOptions"/> lets the portal choose.</param>
    public static AppFramePost Create(Emulator emulator, Portal portal, int userId, string appUrl, bool install, string lang, string placement = "DEFAULT", string? placementOptions = DefaultOptions)
    {
        var grant = emulator.IssueTokens(portal, userId);
        var appSid = Emulator.RandomHex(16);
        var query = $"DOMAIN={Uri.EscapeDataString(portal.Domain)}&PROTOCOL=0&LANG={Uri.EscapeDataString(lang)}&APP_SID={appSid}";
        var fields = new Dictionary<string, string>
        {
            ["AUTH_ID"] = grant.AccessToken,
            ["AUTH_EXPIRES"] = emulator.Options.AccessTokenLifetimeSeconds.ToString(CultureInfo.InvariantCulture),
            ["REFRESH_ID"] = grant.RefreshToken,
            ["SERVER_ENDPOINT"] = emulator.OAuthServer + "rest/",
            ["member_id"] = portal.MemberId,
            ["status"] = portal.LicenseStatus,
            ["PLACEMENT"] = placement,
        };
        if (placementOptions == DefaultOptions)
        {
            placementOptions = placement == "DEFAULT" ? portal.NextEmptyPlacementOptions() : "[]";
        }

        if (placementOptions is not null)
        {
            fields["PLACEMENT_OPTIONS"] = placementOptions;
        }

        if (install)
        {
            fields["APPLICATION_TOKEN"] = portal.App.ApplicationToken;
            fields["APPLICATION_SCOPE"] = portal.App.Scope;
        }

        return new AppFramePost(appUrl + (appUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query, fields, grant, appSid);
    }
}
