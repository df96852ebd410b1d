using System.Globalization;
using System.Text.Json;

namespace B24CallListApp.Portals;

/// <summary>
/// The POST a portal sends into the app's iframe: the installer page and every open of the app or
/// of a placement. <c>DOMAIN</c>, <c>PROTOCOL</c>, <c>LANG</c> and <c>APP_SID</c> come in the query
/// string; the user's tokens and the placement in the form body. Nothing here is trusted until
/// <see cref="AuthId"/> is verified.
/// </summary>
public sealed record FramePost
{
    public required string AuthId { get; init; }
    public string? RefreshId { get; init; }

    /// <summary><c>AUTH_EXPIRES</c>: seconds until the access token expires (a duration, not a timestamp).</summary>
    public int ExpiresIn { get; init; } = 3600;

    public required string MemberId { get; init; }
    public required string Domain { get; init; }
    public bool Https { get; init; }
    public string Language { get; init; } = "en";
    public string? AppSid { get; init; }
    public string? ServerEndpoint { get; init; }
    public string Placement { get; init; } = "DEFAULT";

    /// <summary>Only a JSON object carries options; absent, empty, <c>[]</c> or anything else means none.</summary>
    public IReadOnlyDictionary<string, string> PlacementOptions { get; init; } = new Dictionary<string, string>();

    public string? ApplicationToken { get; init; }

    /// <summary>Reads and checks the fields; a value that cannot be what it claims gives a failure instead.</summary>
    public static FramePost? Read(IQueryCollection query, IFormCollection form, out Bitrix24.VerificationFailure? failure)
    {
        string? Field(string name) => form[name] is { Count: > 0 } values ? values[0] : null;
        var authId = Field("AUTH_ID");
        var memberId = Field("member_id");
        var domain = query["DOMAIN"] is { Count: > 0 } d ? d[0] : null;
        if (string.IsNullOrEmpty(authId) || string.IsNullOrEmpty(memberId) || string.IsNullOrEmpty(domain))
        {
            failure = Bitrix24.VerificationFailure.MissingFields;
            return null;
        }

        var refreshId = Field("REFRESH_ID");
        var applicationToken = Field("APPLICATION_TOKEN");
        var placement = Field("PLACEMENT");
        var serverEndpoint = Field("SERVER_ENDPOINT");
        if (!PortalFields.IsToken(authId) || !PortalFields.IsMemberId(memberId) || !PortalFields.IsDomain(domain)
            || (!string.IsNullOrEmpty(refreshId) && !PortalFields.IsToken(refreshId))
            || (!string.IsNullOrEmpty(applicationToken) && !PortalFields.IsToken(applicationToken))
            || (!string.IsNullOrEmpty(placement) && !PortalFields.IsPlacement(placement))
            || (!string.IsNullOrEmpty(serverEndpoint) && !PortalFields.IsEndpoint(serverEndpoint)))
        {
            failure = Bitrix24.VerificationFailure.Malformed;
            return null;
        }

        failure = null;
        var appSid = query["APP_SID"].ToString();
        return new FramePost
        {
            AuthId = authId,
            RefreshId = string.IsNullOrEmpty(refreshId) ? null : refreshId,
            ExpiresIn = int.TryParse(Field("AUTH_EXPIRES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? Math.Clamp(seconds, 60, 86_400) : 3600,
            MemberId = memberId,
            Domain = domain,
            Https = query["PROTOCOL"] != "0",
            Language = PortalFields.Language(query["LANG"]),
            AppSid = appSid.Length is > 0 and <= 64 && appSid.All(char.IsAsciiLetterOrDigit) ? appSid : null,
            ServerEndpoint = serverEndpoint,
            Placement = string.IsNullOrEmpty(placement) ? "DEFAULT" : placement.ToUpperInvariant(),
            PlacementOptions = ParseOptions(Field("PLACEMENT_OPTIONS")),
            ApplicationToken = string.IsNullOrEmpty(applicationToken) ? null : applicationToken,
        };
    }

    /// <summary>
    /// <c>PLACEMENT_OPTIONS</c> in every shape a portal sends: absent, empty, <c>[]</c> (PHP's
    /// json_encode of an empty array), or an object such as <c>{"ID":"8061"}</c>. Only an object
    /// carries options; nothing here is ever a reason to refuse the user.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseOptions(string? text)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(text))
        {
            return options;
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return options;
            }

            foreach (var property in document.RootElement.EnumerateObject().Take(50))
            {
                options[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no options, as for any other shape that is not an object.
        }

        return options;
    }

    /// <summary>The portal's origin as the request claims it: only good for framing a message page, never for sending a token.</summary>
    public static string? ClaimedOrigin(IQueryCollection query)
    {
        var domain = query["DOMAIN"].ToString();
        return PortalFields.IsDomain(domain) ? (query["PROTOCOL"] == "0" ? "http://" : "https://") + domain : null;
    }
}
