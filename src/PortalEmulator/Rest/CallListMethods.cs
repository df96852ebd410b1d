using System.Globalization;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Rest;

/// <summary>
/// <c>crm.calllist.*</c> with the documented semantics: <c>update</c> replaces the participant set and
/// clears the form when <c>WEBFORM_ID</c> is omitted; checks run in the documented order.
/// </summary>
public static class CallListMethods
{
    static readonly string[] ListFields = ["ID", "DATE_CREATE", "CREATED_BY_ID", "WEBFORM_ID", "ENTITY_TYPE_ID"];

    public static void Register(IDictionary<string, RestMethod> methods)
    {
        methods["crm.calllist.list"] = new("crm", List);
        methods["crm.calllist.get"] = new("crm", Get);
        methods["crm.calllist.items.get"] = new("crm", ItemsGet);
        methods["crm.calllist.statuslist"] = new("crm", StatusList);
        methods["crm.calllist.add"] = new("crm", Add);
        methods["crm.calllist.update"] = new("crm", Update);
    }

    static string? ListField(CallList list, string field) => field switch
    {
        "ID" => list.Id.ToString(CultureInfo.InvariantCulture),
        "DATE_CREATE" => list.DateCreate.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        "CREATED_BY_ID" => list.CreatedById.ToString(CultureInfo.InvariantCulture),
        "WEBFORM_ID" => list.WebFormId?.ToString(CultureInfo.InvariantCulture),
        "ENTITY_TYPE_ID" => list.EntityTypeId.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    static JsonObject Row(CallList list, IEnumerable<string> fields)
    {
        var row = new JsonObject();
        foreach (var field in fields)
        {
            row[field] = ListField(list, field);
        }

        return row;
    }

    static RestResult List(RestCall call)
    {
        var select = call.GetStringList("SELECT").Select(s => s.ToUpperInvariant()).Where(ListFields.Contains).ToList();
        var fields = select.Count == 0 ? ListFields.ToList() : select;
        var visible = call.Portal.CallLists.Values.Where(l => call.User.CanRead(l, call.Portal.EntitiesOf(l.EntityTypeId)));
        var filtered = ListQuery.Filter(visible, call.GetObject("FILTER"), (l, f) => [ListField(l, f)]);
        var ordered = ListQuery.Order(filtered, call.GetObject("ORDER"), ListField).ToList();
        // crm.calllist.list gives neither total nor next: clients page until a short page.
        var (page, _, _) = ListQuery.Page(ordered, call.Start, withTotal: false);
        return new RestResult(new JsonArray(page.Select(l => (JsonNode)Row(l, fields)).ToArray()));
    }

    static CallList FindList(RestCall call, string parameter)
    {
        var id = call.GetInt(parameter);
        // A list the user may not see is answered exactly like one that does not exist.
        if (id is null || !call.Portal.CallLists.TryGetValue(id.Value, out var list) || !call.User.CanRead(list, call.Portal.EntitiesOf(list.EntityTypeId)))
        {
            throw new RestError(400, "LIST_ID_ERROR", "Incorrect list id or access denied");
        }

        return list;
    }

    static RestResult Get(RestCall call)
    {
        var list = FindList(call, "ID");
        var row = Row(list, ListFields);
        row["ENTITY_TYPE"] = list.EntityTypeId == CrmEntity.ContactType ? "CONTACT" : "COMPANY";
        return new RestResult(row);
    }

    static RestResult ItemsGet(RestCall call)
    {
        if (!call.Has("LIST_ID"))
        {
            throw RestError.Argument("LIST_ID");
        }

        var list = FindList(call, "LIST_ID");
        var status = call.GetObject("FILTER") is { } filter && filter.Any() ? RestCall.AsString(filter.FirstOrDefault(p => p.Key.Equals("STATUS", StringComparison.OrdinalIgnoreCase)).Value) : null;
        var items = list.Items.Where(i => status is null || i.Status == status).ToList();

        // The page is cut by rank first and only then stripped of what the user cannot read,
        // so pages can be short mid-list, and an empty page (also past the end) is an access error.
        var start = Math.Max(0, call.Start ?? 0);
        var entities = call.Portal.EntitiesOf(list.EntityTypeId);
        var page = items.Skip(start).Take(ListQuery.PageSize)
            .Where(i => entities.TryGetValue(i.EntityId, out var e) && call.User.CanRead(e))
            .ToList();
        if (page.Count == 0)
        {
            throw new RestError(403, "ACCESS_ERROR", "Access denied");
        }

        var padding = call.Portal.Quirks.PadRowsBytes > 0 ? new string('x', call.Portal.Quirks.PadRowsBytes) : null;
        return new RestResult(new JsonArray(page.Select(i =>
        {
            var row = new JsonObject
            {
                ["ID"] = i.EntityId.ToString(CultureInfo.InvariantCulture),
                ["STATUS"] = i.Status,
                ["ENTITY_TYPE"] = list.EntityTypeId,
            };
            if (padding is not null)
            {
                row["PADDING"] = padding;
            }

            return (JsonNode)row;
        }).ToArray()));
    }

    static RestResult StatusList(RestCall call) =>
        new(new JsonArray(DemoSeed.CallListStatuses.Select((s, i) => (JsonNode)new JsonObject
        {
            ["ID"] = (i + 1).ToString(CultureInfo.InvariantCulture),
            ["NAME"] = DemoSeed.StatusName(s.StatusId, s.Name, call.Portal.Language),
            ["SORT"] = s.Sort.ToString(CultureInfo.InvariantCulture),
            ["STATUS_ID"] = s.StatusId,
        }).ToArray()));

    static int EntityTypeOf(RestCall call)
    {
        // Uppercase only, as the real method compares.
        return call.GetString("ENTITY_TYPE") switch
        {
            "CONTACT" => CrmEntity.ContactType,
            "COMPANY" => CrmEntity.CompanyType,
            _ => throw new RestError(400, "ENTITY_TYPE_ERROR", "EntityType is incorrect"),
        };
    }

    /// <summary>ENTITIES must be an array of distinct, existing ids: anything else, [] included, is an error.</summary>
    static List<int> EntityIdsOf(RestCall call, int entityTypeId)
    {
        var node = call.Get("ENTITIES");
        if (node is not (JsonArray or JsonObject))
        {
            throw new RestError(400, "ENTITIES_ERROR", "Entities is not array");
        }

        var raw = node is JsonArray array ? array.ToList() : ((JsonObject)node).Select(p => p.Value).ToList();
        var ids = raw.Select(RestCall.AsInt).ToList();
        var entities = call.Portal.EntitiesOf(entityTypeId);
        if (ids.Count == 0 || ids.Any(id => id is null || !entities.ContainsKey(id.Value)) || ids.Distinct().Count() != ids.Count)
        {
            throw new RestError(400, "ENTITIES_ERROR", "Incorrect entities id");
        }

        return ids.Select(id => id!.Value).ToList();
    }

    static int? WebFormOf(RestCall call)
    {
        var value = call.GetString("WEBFORM_ID");
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || call.Portal.WebForms.All(f => f.Id != id))
        {
            throw new RestError(400, "WEBFORM_ERROR", "Incorrect webform id");
        }

        return id;
    }

    static RestResult Add(RestCall call)
    {
        foreach (var name in new[] { "ENTITY_TYPE", "ENTITIES" })
        {
            if (!call.Has(name))
            {
                throw RestError.Argument(name);
            }
        }

        var type = EntityTypeOf(call);
        var ids = EntityIdsOf(call, type);
        var entities = call.Portal.EntitiesOf(type);
        var readable = ids.Where(id => call.User.CanRead(entities[id])).ToList();
        if (readable.Count == 0)
        {
            throw new RestError(403, "ACCESS_ERROR", "Access Denied");
        }

        var webForm = WebFormOf(call);
        var list = DemoSeed.AddCallList(call.Portal, type, call.User.Id, webForm, readable, call.Time.GetUtcNow().UtcDateTime);
        return new RestResult(list.Id);
    }

    static RestResult Update(RestCall call)
    {
        foreach (var name in new[] { "LIST_ID", "ENTITY_TYPE", "ENTITIES" })
        {
            if (!call.Has(name))
            {
                throw RestError.Argument(name);
            }
        }

        // Documented order: ENTITY_TYPE, ENTITIES array, ids exist, read permission, list, type, form.
        var type = EntityTypeOf(call);
        var ids = EntityIdsOf(call, type);
        var entities = call.Portal.EntitiesOf(type);
        var list = FindList(call, "LIST_ID");
        var current = list.Items.ToDictionary(i => i.EntityId);
        // New ids the user cannot read are dropped without a word; the call still answers true.
        var kept = ids.Where(id => current.ContainsKey(id) || call.User.CanRead(entities[id])).ToList();
        if (kept.Count == 0)
        {
            throw new RestError(403, "ACCESS_ERROR", "Access Denied");
        }

        if (list.EntityTypeId != type)
        {
            throw new RestError(400, "ENTITY_TYPE_ERROR", "Discrepancy between the type of call participants and incoming type");
        }

        var webForm = WebFormOf(call);

        // ENTITIES replaces the set; an omitted WEBFORM_ID clears the form.
        var items = kept.Select(id => current.TryGetValue(id, out var existing) ? existing : new CallListItem { EntityId = id }).ToList();
        list.Items.Clear();
        list.Items.AddRange(items);
        list.WebFormId = webForm;
        return new RestResult(true);
    }
}
