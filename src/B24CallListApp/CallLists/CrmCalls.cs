using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using static B24CallListApp.Bitrix24.Bitrix24Json;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

// The contact and company reads of the picker and the saves (https://apidocs.bitrix24.com/api-reference/crm/contacts/crm-contact-list.html), each with its parameters
// and the reading of its rows.

/// <summary>What a read of records asks for: what a card shows, the ids alone, or a company's title.</summary>
public enum CrmFields
{
    Card,
    Id,
    Title,
}

/// <summary>A contact or a company as a list method gives it: what a card shows, with its company's id still to be named.</summary>
public sealed record CrmRecord(int Id, EntityKind Kind, string Name, int? CompanyId, string? Phone, string? Email);

/// <summary>
/// <c>crm.contact.list</c> or <c>crm.company.list</c>: the records of one kind matching a filter, in name order
/// (a company's title; a contact's last name, then first name), with what a card shows or with their ids alone.
/// </summary>
public sealed record CrmRecords(EntityKind Kind, JsonObject Filter, CrmFields Fields = CrmFields.Card)
    : Bitrix24Read<CrmRecord>(Kind.ListMethod(), Bitrix24Paging.TotalAndNext)
{
    static readonly string[] ContactFields = ["ID", "NAME", "SECOND_NAME", "LAST_NAME", "COMPANY_ID", "PHONE", "EMAIL"];
    static readonly string[] CompanyFields = ["ID", "TITLE", "PHONE", "EMAIL"];

    /// <summary>The records with these ids (at most a page of them), narrowed by <paramref name="segment"/> when one is given.</summary>
    public static CrmRecords ById(EntityKind kind, IEnumerable<int> ids, JsonObject? segment = null, CrmFields fields = CrmFields.Card)
    {
        var filter = new JsonObject { ["@ID"] = new JsonArray(ids.Select(id => (JsonNode)id).ToArray()) };
        foreach (var (key, value) in segment ?? [])
        {
            filter[key] = value?.DeepClone();
        }

        return new CrmRecords(kind, filter, fields);
    }

    public override JsonObject Parameters() => new()
    {
        ["select"] = new JsonArray(Select().Select(f => (JsonNode)f).ToArray()),
        ["filter"] = Filter.DeepClone(),
        ["order"] = Kind == EntityKind.Company
            ? new JsonObject { ["TITLE"] = "ASC", ["ID"] = "ASC" }
            : new JsonObject { ["LAST_NAME"] = "ASC", ["NAME"] = "ASC", ["ID"] = "ASC" },
    };

    string[] Select() => Fields switch
    {
        CrmFields.Id => ["ID"],
        CrmFields.Title => Kind == EntityKind.Company ? ["ID", "TITLE"] : ["ID", "NAME", "SECOND_NAME", "LAST_NAME"],
        _ => Kind == EntityKind.Company ? CompanyFields : ContactFields,
    };

    public override CrmRecord? Parse(JsonElement row) => IntOf(row, "ID") is { } id
        ? new CrmRecord(id, Kind,
            Kind == EntityKind.Company ? Text(row, "TITLE") : string.Join(' ', new[] { Text(row, "NAME"), Text(row, "SECOND_NAME"), Text(row, "LAST_NAME") }.Where(s => s.Length > 0)),
            IntOf(row, "COMPANY_ID") is { } company && company > 0 ? company : null,
            FirstValue(row, "PHONE"), FirstValue(row, "EMAIL"))
        : null;
}

/// <summary>
/// <c>crm.duplicate.findbycomm</c>: the ids of the records of one kind with this phone number or e-mail
/// address. It ignores the user's rights: what it finds is read again as the user.
/// </summary>
public sealed record RecordsByCommunication(EntityKind Kind, bool Phone, string Value) : Bitrix24Call("crm.duplicate.findbycomm")
{
    public override JsonObject Parameters() => new()
    {
        ["type"] = Phone ? "PHONE" : "EMAIL",
        ["values"] = new JsonArray(Value),
        ["entity_type"] = Kind.Code(),
    };

    /// <summary>The ids found (an empty array, not an object, when nothing matched).</summary>
    public IReadOnlyList<int> Parse(JsonElement result) =>
        result.ValueKind == JsonValueKind.Object && result.TryGetProperty(Kind.Code(), out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => int.TryParse(e.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).Distinct().ToList()
            : [];
}
