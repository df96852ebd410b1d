using System.Globalization;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Rest;

/// <summary>Contacts, companies, duplicates, forms and activities (scope <c>crm</c>).</summary>
public static class CrmMethods
{
    static readonly string[] ContactFields = ["ID", "NAME", "SECOND_NAME", "LAST_NAME", "POST", "COMPANY_ID", "HAS_PHONE", "HAS_EMAIL", "ASSIGNED_BY_ID", "DATE_CREATE", "TYPE_ID", "SOURCE_ID"];
    static readonly string[] CompanyFields = ["ID", "TITLE", "COMPANY_TYPE", "HAS_PHONE", "HAS_EMAIL", "ASSIGNED_BY_ID", "DATE_CREATE"];

    public static void Register(IDictionary<string, RestMethod> methods)
    {
        methods["crm.contact.list"] = new("crm", call => EntityList(call, CrmEntity.ContactType, ContactFields));
        methods["crm.company.list"] = new("crm", call => EntityList(call, CrmEntity.CompanyType, CompanyFields));
        methods["crm.duplicate.findbycomm"] = new("crm", FindByCommunication);
        methods["crm.status.list"] = new("crm", StatusList);
        methods["crm.webform.list"] = new("crm", WebFormList);
        methods["crm.activity.list"] = new("crm", ActivityList);
        methods["crm.activity.delete"] = new("crm", ActivityDelete);
    }

    public static string? FieldValue(CrmEntity entity, string field) => field switch
    {
        "ID" => entity.Id.ToString(CultureInfo.InvariantCulture),
        "ASSIGNED_BY_ID" => entity.AssignedById.ToString(CultureInfo.InvariantCulture),
        "HAS_PHONE" => entity.Phones.Count > 0 ? "Y" : "N",
        "HAS_EMAIL" => entity.Emails.Count > 0 ? "Y" : "N",
        "DATE_CREATE" => new DateTimeOffset(DateTime.SpecifyKind(entity.DateCreate, DateTimeKind.Unspecified), ListQuery.PortalOffset).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
        _ => entity.Fields.GetValueOrDefault(field),
    };

    static IReadOnlyList<string?> FilterValues(CrmEntity entity, string field) => field switch
    {
        "PHONE" => entity.Phones.Select(p => (string?)p.Value).ToList(),
        "EMAIL" => entity.Emails.Select(p => (string?)p.Value).ToList(),
        _ => [FieldValue(entity, field)],
    };

    static RestResult EntityList(RestCall call, int entityTypeId, string[] defaultFields)
    {
        var select = call.GetStringList("select").Select(s => s.ToUpperInvariant()).ToList();
        var fields = select.Count == 0 || select.Contains("*")
            ? defaultFields.ToList()
            : select.Where(s => defaultFields.Contains(s) || s is "PHONE" or "EMAIL").Prepend("ID").Distinct().ToList();
        if (select.Contains("*"))
        {
            fields.AddRange(select.Where(s => s is "PHONE" or "EMAIL"));
        }

        var visible = call.Portal.EntitiesOf(entityTypeId).Values.Where(call.User.CanRead);
        var filtered = ListQuery.Filter(visible, call.GetObject("filter"), FilterValues);
        var ordered = ListQuery.Order(filtered, call.GetObject("order"), FieldValue).ToList();
        var (page, total, next) = ListQuery.Page(ordered, call.Start, withTotal: true);

        var rows = new JsonArray();
        foreach (var entity in page)
        {
            var row = new JsonObject();
            foreach (var field in fields)
            {
                row[field] = field switch
                {
                    "PHONE" => Communications(entity.Phones),
                    "EMAIL" => Communications(entity.Emails),
                    _ => FieldValue(entity, field),
                };
            }

            rows.Add(row);
        }

        return new RestResult(rows, total, next);
    }

    static JsonArray Communications(List<CommunicationValue> values) =>
        new(values.Select(v => (JsonNode)new JsonObject
        {
            ["ID"] = v.Id.ToString(CultureInfo.InvariantCulture),
            ["VALUE_TYPE"] = v.ValueType,
            ["VALUE"] = v.Value,
            ["TYPE_ID"] = v.TypeId,
        }).ToArray());

    static RestResult FindByCommunication(RestCall call)
    {
        var type = call.GetString("type")?.ToUpperInvariant();
        if (type is not ("PHONE" or "EMAIL"))
        {
            throw new RestError(400, "ERROR_ARGUMENT", "Parameter 'type' is not defined or is not PHONE or EMAIL");
        }

        var values = call.GetStringList("values");
        if (values.Count == 0)
        {
            throw new RestError(400, "ERROR_ARGUMENT", "Parameter 'values' is empty");
        }

        if (values.Count > 20)
        {
            throw new RestError(400, "ERROR_ARGUMENT", "Too many values (20 at most)");
        }

        var entityType = call.GetString("entity_type")?.ToUpperInvariant();
        var wanted = values.Select(v => Normalize(type, v)).ToHashSet();
        var result = new JsonObject();
        foreach (var (name, entities) in new[] { ("CONTACT", call.Portal.Contacts), ("COMPANY", call.Portal.Companies) })
        {
            if (entityType is not null && entityType != name)
            {
                continue;
            }

            var ids = entities.Values
                .Where(e => (type == "PHONE" ? e.Phones : e.Emails).Any(c => wanted.Contains(Normalize(type, c.Value))))
                .Select(e => e.Id).Order().ToList();
            if (ids.Count > 0)
            {
                result[name] = new JsonArray(ids.Select(id => (JsonNode)id).ToArray());
            }
        }

        // Bitrix24 answers an empty array, not an empty object, when nothing matches.
        return new RestResult(result.Count == 0 ? new JsonArray() : result);
    }

    static string Normalize(string type, string value) =>
        type == "PHONE" ? new string(value.Where(char.IsDigit).ToArray()) : value.Trim().ToLowerInvariant();

    /// <summary><c>crm.status.list</c>: reference lists (contact types, sources, company types), named in the portal's language, 50 a page.</summary>
    static RestResult StatusList(RestCall call)
    {
        string? StatusField(CrmStatuses.Status status, string field) => field switch
        {
            "ID" => (CrmStatuses.All.ToList().IndexOf(status) + 1).ToString(CultureInfo.InvariantCulture),
            "ENTITY_ID" => status.EntityId,
            "STATUS_ID" => status.StatusId,
            "NAME" => CrmStatuses.Name(status, call.Portal.Language),
            "NAME_INIT" => CrmStatuses.Name(status, call.Portal.Language),
            "SORT" => status.Sort.ToString(CultureInfo.InvariantCulture),
            "SYSTEM" => "N",
            _ => null,
        };

        var filtered = ListQuery.Filter(CrmStatuses.All, call.GetObject("filter"), (s, f) => [StatusField(s, f)]);
        var ordered = ListQuery.Order(filtered, call.GetObject("order"), StatusField, defaultField: "SORT").ToList();
        var (page, total, next) = ListQuery.Page(ordered, call.Start, withTotal: true);
        var rows = new JsonArray();
        foreach (var status in page)
        {
            var row = new JsonObject();
            foreach (var field in new[] { "ID", "ENTITY_ID", "STATUS_ID", "NAME", "NAME_INIT", "SORT", "SYSTEM" })
            {
                row[field] = field == "SORT" ? status.Sort : StatusField(status, field);
            }

            rows.Add(row);
        }

        return new RestResult(rows, total, next);
    }

    static RestResult WebFormList(RestCall call)
    {
        var inactive = string.Equals(call.GetString("GET_INACTIVE"), "Y", StringComparison.OrdinalIgnoreCase);
        var rows = new JsonArray();
        foreach (var form in call.Portal.WebForms.Where(f => f.Active || inactive))
        {
            rows.Add(new JsonObject
            {
                ["ID"] = form.Id.ToString(CultureInfo.InvariantCulture),
                ["NAME"] = form.Name,
                ["ACTIVE"] = form.Active ? "Y" : "N",
                ["IS_CALLBACK_FORM"] = form.IsCallback ? "Y" : "N",
            });
        }

        return new RestResult(rows);
    }

    static string? ActivityField(Activity activity, string field) => field switch
    {
        "ID" => activity.Id.ToString(CultureInfo.InvariantCulture),
        "PROVIDER_ID" => activity.ProviderId,
        "ASSOCIATED_ENTITY_ID" => activity.AssociatedEntityId.ToString(CultureInfo.InvariantCulture),
        "SUBJECT" => activity.Subject,
        "RESPONSIBLE_ID" => activity.ResponsibleId.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    static RestResult ActivityList(RestCall call)
    {
        var filtered = ListQuery.Filter(call.Portal.Activities.Values, call.GetObject("filter"), (a, f) => [ActivityField(a, f)]);
        var ordered = ListQuery.Order(filtered, call.GetObject("order"), ActivityField).ToList();
        var (page, total, next) = ListQuery.Page(ordered, call.Start, withTotal: true);
        var rows = new JsonArray();
        foreach (var activity in page)
        {
            var row = new JsonObject();
            foreach (var field in new[] { "ID", "PROVIDER_ID", "ASSOCIATED_ENTITY_ID", "SUBJECT", "RESPONSIBLE_ID" })
            {
                row[field] = ActivityField(activity, field);
            }

            rows.Add(row);
        }

        return new RestResult(rows, total, next);
    }

    static RestResult ActivityDelete(RestCall call)
    {
        var id = call.GetInt("id") ?? throw RestError.Argument("id");
        if (!call.Portal.Activities.TryGetValue(id, out var activity))
        {
            throw new RestError(400, "ERROR_NOT_FOUND", "Not found");
        }

        if (!call.User.Admin && activity.ResponsibleId != call.User.Id)
        {
            throw new RestError(403, "ACCESS_DENIED", "Access denied");
        }

        call.Portal.Activities.Remove(id);
        if (activity.ProviderId == "CALL_LIST")
        {
            call.Portal.CallLists.Remove(activity.AssociatedEntityId);
        }

        return new RestResult(true);
    }
}
