using System.Globalization;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>CRM data a test adds to a portal: contacts, companies and call lists.</summary>
public static partial class ControlEndpoints
{
    /// <summary>
    /// Adds generated contacts, for tests and benchmarks that need large lists or a segment:
    /// <c>{"count", "assignedById"?, "lastName"?, "typeId"?, "sourceId"?, "companyId"?, "phone"?}</c>.
    /// </summary>
    static IResult AddContacts(NewContacts request, HttpContext context, Emulator emulator)
    {
        var lastName = request.LastName ?? "Contact";
        return Results.Json(AddRecords(PortalOf(context), CrmEntity.ContactType, request.Count!.Value, request.AssignedById, emulator, contact =>
        {
            contact.Fields["NAME"] = "Generated";
            contact.Fields["LAST_NAME"] = lastName + " " + contact.Id.ToString(CultureInfo.InvariantCulture);
            contact.Fields["TYPE_ID"] = request.TypeId;
            contact.Fields["SOURCE_ID"] = request.SourceId;
            contact.Fields["COMPANY_ID"] = request.CompanyId?.ToString(CultureInfo.InvariantCulture);
            if (request.Phone == true)
            {
                contact.Phones.Add(new(100_000 + contact.Id, "WORK", string.Create(CultureInfo.InvariantCulture, $"+7 900 {contact.Id:D7}"), "PHONE"));
            }
        }));
    }

    /// <summary>
    /// Adds generated companies, for a portal with more companies than a list can offer:
    /// <c>{"count", "title"?, "assignedById"?}</c>; each is titled "{title} {id}".
    /// </summary>
    static IResult AddCompanies(NewCompanies request, HttpContext context, Emulator emulator)
    {
        var title = request.Title ?? "Company";
        return Results.Json(AddRecords(PortalOf(context), CrmEntity.CompanyType, request.Count!.Value, request.AssignedById, emulator,
            company => company.Fields["TITLE"] = title + " " + company.Id.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Records of one kind under the next free ids, created now, each responsible user <paramref name="assignedById"/>
    /// or else the portal's users in turn; <paramref name="fill"/> sets the rest. Added under the portal's lock.
    /// </summary>
    static RecordsAdded AddRecords(Portal portal, int entityTypeId, int count, int? assignedById, Emulator emulator, Action<CrmEntity> fill)
    {
        lock (portal.Sync)
        {
            var records = portal.EntitiesOf(entityTypeId);
            var first = records.Count == 0 ? 1 : records.Keys.Max() + 1;
            foreach (var id in Enumerable.Range(first, count))
            {
                var record = new CrmEntity
                {
                    EntityTypeId = entityTypeId,
                    Id = id,
                    AssignedById = assignedById ?? portal.Users[id % portal.Users.Count].Id,
                    DateCreate = emulator.Time.GetUtcNow().UtcDateTime,
                };
                fill(record);
                records[id] = record;
            }

            return new RecordsAdded(first, first + count - 1);
        }
    }

    /// <summary>Creates a call list directly in the portal's data (no REST call is logged).</summary>
    static IResult AddCallList(NewCallList request, HttpContext context, Emulator emulator)
    {
        var portal = PortalOf(context);
        var type = request.EntityType == "CONTACT" ? CrmEntity.ContactType : CrmEntity.CompanyType;
        var ids = request.EntityIds!;
        lock (portal.Sync)
        {
            var entities = portal.EntitiesOf(type);
            if (ids.Any(id => !entities.ContainsKey(id)) || ids.Distinct().Count() != ids.Length)
            {
                return Bad("'entityIds' must be distinct ids of existing entities");
            }

            var list = DemoSeed.AddCallList(portal, type, request.CreatedById ?? 1, request.WebFormId, ids, emulator.Time.GetUtcNow().UtcDateTime);
            return Results.Json(new CallListAdded(list.Id));
        }
    }
}
