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

/// <summary>
/// An app event (<c>ONAPPINSTALL</c>, <c>ONAPPUPDATE</c>, <c>ONAPPUNINSTALL</c>) the portal POSTs, form-encoded, to the
/// app's event handler: the portal and the application token in <c>auth[…]</c>, a user's tokens with it when the
/// event comes from a user (https://apidocs.bitrix24.com/api-reference/common/events/index.html).
/// </summary>
public sealed record AppEventPost(IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <param name="withTokens">ONAPPINSTALL and ONAPPUPDATE: with the user's tokens, or none (an event not tied to a user).</param>
    /// <param name="clean">ONAPPUNINSTALL: the administrator asked to delete the app's data.</param>
    public static AppEventPost Create(Emulator emulator, Portal portal, string eventName, int userId, string applicationToken, bool withTokens, bool clean)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("event", eventName),
            new("event_handler_id", "1"),
            new("data[LANGUAGE_ID]", portal.Language),
            new("ts", emulator.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("auth[domain]", portal.Domain),
            new("auth[server_endpoint]", emulator.OAuthServer + "rest/"),
            new("auth[client_endpoint]", portal.ClientEndpoint),
            new("auth[member_id]", portal.MemberId),
            new("auth[application_token]", applicationToken),
        };
        if (eventName == "ONAPPUNINSTALL")
        {
            fields.Add(new("data[CLEAN]", clean ? "1" : "0"));
            return new AppEventPost(fields);
        }

        fields.AddRange([new("data[VERSION]", "1"), new("data[ACTIVE]", "Y"), new("data[INSTALLED]", "Y")]);
        if (withTokens)
        {
            var grant = emulator.IssueTokens(portal, userId);
            fields.AddRange(
            [
                new("auth[access_token]", grant.AccessToken),
                new("auth[expires]", grant.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
                new("auth[expires_in]", emulator.Options.AccessTokenLifetimeSeconds.ToString(CultureInfo.InvariantCulture)),
                new("auth[scope]", portal.App.Scope),
                new("auth[status]", portal.LicenseStatus),
                new("auth[user_id]", userId.ToString(CultureInfo.InvariantCulture)),
                new("auth[refresh_token]", grant.RefreshToken),
            ]);
        }

        return new AppEventPost(fields);
    }
}
