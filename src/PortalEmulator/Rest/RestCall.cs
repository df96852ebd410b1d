using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Rest;

/// <summary>One REST method invocation, direct or inside a batch, already authenticated.</summary>
public sealed class RestCall(Portal portal, PortalUser user, TokenGrant grant, JsonObject parameters, TimeProvider time)
{
    public Portal Portal { get; } = portal;
    public PortalUser User { get; } = user;
    public TokenGrant Grant { get; } = grant;
    public JsonObject Params { get; } = parameters;
    public TimeProvider Time { get; } = time;

    /// <summary>Bitrix24's CRM methods read parameter names without regard to case.</summary>
    public JsonNode? Get(string name)
    {
        foreach (var (key, value) in Params)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public bool Has(string name) => Params.Any(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));

    public string? GetString(string name) => AsString(Get(name));

    public int? GetInt(string name) => AsInt(Get(name));

    /// <summary>The page offset asked for; a portal with the <c>ignoreStart</c> quirk always answers the first page.</summary>
    public int? Start => Portal.Quirks.IgnoreStart ? null : GetInt("start");

    public JsonObject GetObject(string name) => Get(name) as JsonObject ?? [];

    public IReadOnlyList<string> GetStringList(string name) => Get(name) switch
    {
        JsonArray array => array.Select(AsString).OfType<string>().ToList(),
        JsonObject obj => obj.Select(p => AsString(p.Value)).OfType<string>().ToList(),
        JsonValue value when AsString(value) is { Length: > 0 } s => [s],
        _ => [],
    };

    public static string? AsString(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>() ? "Y" : "N",
        JsonValue value => value.ToJsonString(),
        _ => null,
    };

    public static int? AsInt(JsonNode? node) =>
        AsString(node) is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}

/// <summary>What a method answers: <c>result</c>, and <c>total</c>/<c>next</c> for list methods.</summary>
public sealed record RestResult(JsonNode? Result, int? Total = null, int? Next = null);

public sealed record RestMethod(string? Scope, Func<RestCall, RestResult> Handler);
