using System.Text.Json.Nodes;

namespace PortalEmulator.Rest;

/// <summary>
/// Turns PHP-style bracketed keys (<c>FILTER[&gt;ID]=5</c>, <c>ENTITIES[]=1</c>) into a JSON tree,
/// the way Bitrix24 reads form bodies, query strings and batch commands.
/// </summary>
public static class PhpQuery
{
    public static JsonObject Decode(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var root = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            var path = SplitKey(key);
            if (path.Count == 0)
            {
                continue;
            }

            JsonObject container = root;
            for (var i = 0; i < path.Count - 1; i++)
            {
                var segment = path[i].Length == 0 ? container.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : path[i];
                if (container[segment] is not JsonObject child)
                {
                    child = new JsonObject();
                    container[segment] = child;
                }

                container = child;
            }

            var last = path[^1].Length == 0 ? container.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : path[^1];
            container[last] = JsonValue.Create(value);
        }

        return (JsonObject)ToArrays(root);
    }

    public static JsonObject DecodeQueryString(string query)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add(new(Unescape(key), Unescape(value)));
        }

        return Decode(pairs);
    }

    static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    static List<string> SplitKey(string key)
    {
        var result = new List<string>();
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0)
        {
            if (key.Length > 0)
            {
                result.Add(key);
            }

            return result;
        }

        result.Add(key[..open]);
        var rest = key[open..];
        while (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            result.Add(rest[1..close]);
            rest = rest[(close + 1)..];
        }

        return result;
    }

    // An object whose keys are exactly 0..n-1 is a list, as PHP would treat it.
    static JsonNode ToArrays(JsonObject obj)
    {
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (obj[key] is JsonObject child)
            {
                obj[key] = ToArrays(child);
            }
        }

        var isList = obj.Count > 0 && obj.Select((p, i) => p.Key == i.ToString(System.Globalization.CultureInfo.InvariantCulture)).All(b => b);
        if (!isList)
        {
            return obj;
        }

        var array = new JsonArray();
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            var node = obj[key];
            obj.Remove(key);
            array.Add(node);
        }

        return array;
    }
}
