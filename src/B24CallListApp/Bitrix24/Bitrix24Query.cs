using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace B24CallListApp.Bitrix24;

/// <summary>Encodes parameters the way batch commands carry them: PHP's http_build_query.</summary>
public static class Bitrix24Query
{
    public static string Encode(JsonObject? parameters)
    {
        var builder = new StringBuilder();
        if (parameters is not null)
        {
            foreach (var (key, value) in parameters)
            {
                Append(builder, key, value);
            }
        }

        return builder.ToString();
    }

    static void Append(StringBuilder builder, string key, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (childKey, child) in obj)
                {
                    Append(builder, $"{key}[{childKey}]", child);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Append(builder, string.Create(CultureInfo.InvariantCulture, $"{key}[{i}]"), array[i]);
                }

                break;
            default:
                if (builder.Length > 0)
                {
                    builder.Append('&');
                }

                builder.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(Scalar(value)));
                break;
        }
    }

    static string Scalar(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "1",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "0",
        _ => value.ToJsonString(),
    };
}
