using System.Text.Json;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using static B24CallListApp.Bitrix24.Bitrix24Json;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

// The reads behind the segment controls (crm.status.list, user.get, crm.company.list in https://apidocs.bitrix24.com/), each with its parameters and the reading of its rows.

/// <summary>One value of a reference list with its place in the portal's order.</summary>
public sealed record ReferenceValue(string Id, string Name, int Sort);

/// <summary><c>crm.status.list</c> of one reference list (<c>CONTACT_TYPE</c>, <c>SOURCE</c>, <c>COMPANY_TYPE</c>), named in the portal's language.</summary>
public sealed record ReferenceList(string EntityId) : Bitrix24Read<ReferenceValue>("crm.status.list", Bitrix24Paging.TotalAndNext)
{
    public override JsonObject Parameters() => new()
    {
        ["filter"] = new JsonObject { ["ENTITY_ID"] = EntityId },
        ["order"] = new JsonObject { ["SORT"] = "ASC" },
    };

    public override ReferenceValue? Parse(JsonElement row) => Text(row, "STATUS_ID") is { Length: > 0 } id
        ? new ReferenceValue(id, Text(row, "NAME") is { Length: > 0 } name ? name : id, IntOf(row, "SORT") ?? 0)
        : null;
}

/// <summary><c>user.get</c> of the portal's active users (a dismissed one is responsible for nothing new).</summary>
public sealed record ActiveUsers() : Bitrix24Read<Choice>("user.get", Bitrix24Paging.TotalAndNext)
{
    public override JsonObject Parameters() => new() { ["FILTER"] = new JsonObject { ["ACTIVE"] = true } };

    public override Choice? Parse(JsonElement row) => Text(row, "ID") is { Length: > 0 } id
        ? new Choice(id, string.Join(' ', new[] { Text(row, "NAME"), Text(row, "LAST_NAME") }.Where(s => s.Length > 0)) is { Length: > 0 } name ? name : "#" + id)
        : null;
}

/// <summary><c>crm.company.list</c> of the companies the user reads, by title; those whose title holds <paramref name="TitleContains"/> when given.</summary>
public sealed record CompanyTitles(string? TitleContains = null) : Bitrix24Read<Choice>("crm.company.list", Bitrix24Paging.TotalAndNext)
{
    public override JsonObject Parameters()
    {
        var parameters = new JsonObject
        {
            ["select"] = new JsonArray("ID", "TITLE"),
            ["order"] = new JsonObject { ["TITLE"] = "ASC", ["ID"] = "ASC" },
        };
        if (TitleContains is not null)
        {
            parameters["filter"] = new JsonObject { ["%TITLE"] = TitleContains };
        }

        return parameters;
    }

    public override Choice? Parse(JsonElement row) => Text(row, "ID") is { Length: > 0 } id
        ? new Choice(id, Text(row, "TITLE") is { Length: > 0 } title ? title : "#" + id)
        : null;
}

/// <summary><c>user.get</c> of the given users: their names, for the creators of the lists a page shows.</summary>
public sealed record UsersById(IReadOnlyList<long> Ids) : Bitrix24Call("user.get")
{
    public override JsonObject Parameters() =>
        new() { ["FILTER"] = new JsonObject { ["ID"] = new JsonArray(Ids.Select(id => (JsonNode)id).ToArray()) } };

    public static Dictionary<long, string> Names(JsonElement? result) =>
        Rows(result).Where(r => IntOf(r, "ID") is not null)
            .ToDictionary(r => (long)IntOf(r, "ID")!.Value, r => $"{Text(r, "NAME")} {Text(r, "LAST_NAME")}".Trim());
}

/// <summary>The portal's CRM forms, inactive ones too (<c>crm.webform.list</c>, undocumented).</summary>
public sealed record CrmWebForms() : Bitrix24Call("crm.webform.list")
{
    public override JsonObject Parameters() => new() { ["GET_INACTIVE"] = "Y" };

    /// <summary>The forms; null when the portal cannot list them (the method is undocumented and may be missing).</summary>
    public static IReadOnlyList<CrmForm>? Read(BatchResult result) =>
        result.Error is not null || result.Result is not { ValueKind: JsonValueKind.Array } rows
            ? null
            : rows.EnumerateArray().Where(r => IntOf(r, "ID") is not null)
                .Select(r => new CrmForm(IntOf(r, "ID")!.Value, Text(r, "NAME"), Text(r, "ACTIVE") != "N")).ToList();
}
