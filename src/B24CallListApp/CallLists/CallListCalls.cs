using System.Text.Json;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using static B24CallListApp.Bitrix24.Bitrix24Json;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

// The crm.calllist.* calls the app makes (https://apidocs.bitrix24.com/api-reference/crm/call-list/index.html), each with its parameters and the reading
// of its rows: no other file spells these methods.

/// <summary><c>crm.calllist.items.get</c>: a list's participants and their call statuses, until an empty page (403 ACCESS_ERROR) ends it.</summary>
public sealed record CallListItems(int ListId) : Bitrix24Read<Participant>("crm.calllist.items.get", Bitrix24Paging.UntilAccessError)
{
    public override JsonObject Parameters() => new() { ["LIST_ID"] = ListId };

    public override Participant? Parse(JsonElement row) => IntOf(row, "ID") is { } id ? new Participant(id, Text(row, "STATUS")) : null;
}

/// <summary><c>crm.calllist.get</c>: one list, answered LIST_ID_ERROR when it does not exist or the user may not read it.</summary>
public sealed record CallListGet(int ListId) : Bitrix24Call("crm.calllist.get")
{
    public override JsonObject Parameters() => new() { ["ID"] = ListId };

    public static CallListInfo? Parse(JsonElement row) => ParseList(row);
}

/// <summary><c>crm.calllist.statuslist</c>: the call statuses, named in the portal's language, in the portal's order.</summary>
public sealed record CallListStatuses() : Bitrix24Call("crm.calllist.statuslist")
{
    public override JsonObject Parameters() => [];

    public static IReadOnlyList<CallStatus> Parse(JsonElement? result) =>
        Rows(result).Select(r => (Id: Text(r, "STATUS_ID"), Name: Text(r, "NAME"), Sort: IntOf(r, "SORT") ?? 0))
            .Where(s => s.Id.Length > 0).OrderBy(s => s.Sort).Select(s => new CallStatus(s.Id, s.Name.Length > 0 ? s.Name : s.Id)).ToList();
}

/// <summary><c>crm.calllist.list</c>, newest first: the lists the user can see, of one kind or all, from <paramref name="CreatedAfter"/> on or all, by one user or all.</summary>
public sealed record CallListsNewestFirst(EntityKind? Kind = null, int? CreatedAfter = null, long? CreatedBy = null, bool IdsOnly = false)
    : Bitrix24Read<CallListInfo>("crm.calllist.list", Bitrix24Paging.UntilShortPage)
{
    public override JsonObject Parameters()
    {
        var filter = new JsonObject();
        if (Kind is { } kind)
        {
            filter["ENTITY_TYPE_ID"] = (int)kind;
        }

        if (CreatedAfter is { } after)
        {
            filter[">ID"] = after;
        }

        if (CreatedBy is { } user)
        {
            filter["CREATED_BY_ID"] = user;
        }

        var parameters = new JsonObject { ["ORDER"] = new JsonObject { ["ID"] = "DESC" }, ["FILTER"] = filter };
        if (IdsOnly)
        {
            parameters["SELECT"] = new JsonArray("ID");
        }

        return parameters;
    }

    public override CallListInfo? Parse(JsonElement row) => ParseList(row);
}

/// <summary>
/// <c>crm.calllist.update</c>: the list's whole participant set, replaced. Left out, <c>WEBFORM_ID</c> clears the
/// form, so the form is sent every time, except when the user chose "No form" (<paramref name="FormId"/> null).
/// </summary>
public sealed record CallListUpdate(int ListId, EntityKind Kind, IReadOnlyList<int> Entities, int? FormId) : Bitrix24Call("crm.calllist.update")
{
    public override JsonObject Parameters()
    {
        var parameters = new JsonObject
        {
            ["LIST_ID"] = ListId,
            ["ENTITY_TYPE"] = Kind.Code(),
            ["ENTITIES"] = new JsonArray(Entities.Select(id => (JsonNode)id).ToArray()),
        };
        if (FormId is { } form)
        {
            parameters["WEBFORM_ID"] = form;
        }

        return parameters;
    }
}

/// <summary><c>crm.calllist.add</c>: a new list; answered with its id. Never repeated (<see cref="Bitrix24Methods"/>).</summary>
public sealed record CallListAdd(EntityKind Kind, IReadOnlyList<int> Entities, int? FormId) : Bitrix24Call("crm.calllist.add")
{
    public override JsonObject Parameters()
    {
        var parameters = new JsonObject { ["ENTITY_TYPE"] = Kind.Code(), ["ENTITIES"] = new JsonArray(Entities.Select(id => (JsonNode)id).ToArray()) };
        if (FormId is { } form)
        {
            parameters["WEBFORM_ID"] = form;
        }

        return parameters;
    }
}
