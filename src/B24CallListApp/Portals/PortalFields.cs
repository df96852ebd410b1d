using System.Text.RegularExpressions;

namespace B24CallListApp.Portals;

/// <summary>
/// What the values a portal POSTs can look like. Anything else cannot be what it claims, so it is
/// refused before the app asks the OAuth server about it. The bounds sit well above what Bitrix24
/// sends (tokens of 32 to 70 letters and digits, a member_id of 32 hex digits), so a real portal is
/// never refused.
/// </summary>
public static partial class PortalFields
{
    [GeneratedRegex("^[A-Za-z0-9._~+/=-]{8,512}$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex MemberIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}$")]
    private static partial Regex PlacementPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,16}$")]
    private static partial Regex LanguagePattern();

    public static bool IsToken(string? value) => value is not null && TokenPattern().IsMatch(value);

    public static bool IsMemberId(string? value) => value is not null && MemberIdPattern().IsMatch(value);

    public static bool IsPlacement(string? value) => value is not null && PlacementPattern().IsMatch(value);

    /// <summary>A host name or address with an optional port, as DOMAIN carries it.</summary>
    public static bool IsDomain(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 260)
        {
            return false;
        }

        var host = value;
        var colon = value.LastIndexOf(':');
        if (colon > 0 && !value.EndsWith(']'))
        {
            if (!int.TryParse(value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return false;
            }

            host = value[..colon];
        }

        return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
    }

    /// <summary>An http(s) URL of sensible length (SERVER_ENDPOINT, client_endpoint).</summary>
    public static bool IsEndpoint(string? value) =>
        value is { Length: > 0 and <= 512 } && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";

    /// <summary>The portal user's language: <c>ru</c> or <c>en</c> (every other LANG reads English).</summary>
    public static string Language(string? lang) =>
        lang is not null && LanguagePattern().IsMatch(lang) && string.Equals(lang, "ru", StringComparison.OrdinalIgnoreCase) ? "ru" : "en";

    /// <summary>An unverified value as it may appear in a log line: short, and without line breaks or control characters.</summary>
    public static string ForLog(string? value)
    {
        if (value is null)
        {
            return "(none)";
        }

        var clean = new string(value.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > 40 ? clean + "…" : clean;
    }
}
