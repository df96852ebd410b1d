using System.Globalization;
using System.Text.Json;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using static B24CallListApp.Bitrix24.Bitrix24Json;

namespace B24CallListApp.CallLists;

/// <summary>Reading Bitrix24's CRM rows: numbers often come as strings, and lists, forms and multi-fields have shapes of their own.</summary>
static class CrmRows
{
    public static CallListInfo? ParseList(JsonElement row)
    {
        if (IntOf(row, "ID") is not { } id)
        {
            return null;
        }

        var kind = EntityKinds.Parse(Text(row, "ENTITY_TYPE_ID")) ?? EntityKinds.Parse(Text(row, "ENTITY_TYPE")) ?? EntityKind.Contact;
        var created = DateTime.TryParseExact(Text(row, "DATE_CREATE"), ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:sszzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : (DateTime?)null;
        return new CallListInfo(id, kind, IntOf(row, "CREATED_BY_ID") ?? 0, created, IntOf(row, "WEBFORM_ID") is { } form && form > 0 ? form : null);
    }

    public static string? FirstValue(JsonElement row, string name) =>
        row.TryGetProperty(name, out var values) && values.ValueKind == JsonValueKind.Array
            ? values.EnumerateArray().Select(v => Bitrix24Json.String(v, "VALUE")).FirstOrDefault(v => !string.IsNullOrEmpty(v))
            : null;

}
