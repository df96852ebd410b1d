using System.Globalization;

namespace PortalEmulator.Portals;

/// <summary>
/// Deterministic CRM data: the same seed always gives the same portal, so tests and the demo
/// can name contacts, companies and lists by id.
/// </summary>
public static class DemoSeed
{
    public const int ContactCount = 300;
    public const int CompanyCount = 40;

    static readonly string[] FirstNames = ["Anna", "Boris", "Clara", "Dmitry", "Elena", "Fedor", "Galina", "Igor", "Julia", "Kirill", "Lena", "Maxim", "Nina", "Oleg", "Polina", "Roman", "Sofia", "Timur", "Vera", "Yuri", "Alice", "Bob", "Carol", "David", "Emma", "Frank"];
    static readonly string[] LastNames = ["Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Lebedeva", "Kozlov", "Novikova", "Morozov", "Volkova", "Fischer", "Garcia", "Miller", "Brown", "Wilson", "Taylor", "Clark", "Lewis", "Walker"];
    static readonly string[] Posts = ["Sales manager", "CEO", "Buyer", "Accountant", "Head of procurement", "Office manager", ""];
    static readonly string[] CompanyWords = ["Alpha", "Nord", "Vector", "Orbit", "Granite", "Blue River", "Sever", "Delta", "Kvant", "Zenith"];
    static readonly string[] CompanySuffixes = ["LLC", "Group", "Trading", "Logistics", "Systems", "Foods", "Motors", "Pharm"];
    static readonly string[] CompanyTypes = ["CUSTOMER", "PARTNER", "SUPPLIER", "COMPETITOR", "OTHER"];
    static readonly string[] ContactTypes = CrmStatuses.Ids("CONTACT_TYPE");
    static readonly string[] Sources = CrmStatuses.Ids("SOURCE");

    public static IReadOnlyList<(string StatusId, string Name, int Sort)> CallListStatuses { get; } =
    [
        ("IN_WORK", "In progress", 10),
        ("SUCCESS", "Successful", 20),
        ("WRONG_NUMBER", "Wrong number", 30),
        ("STOP_CALLING", "Do not call", 40),
        ("NO_ANSWER", "No answer", 50),
    ];

    /// <summary>The statuses' names as a Russian portal gives them.</summary>
    static readonly Dictionary<string, string> RussianStatusNames = new(StringComparer.Ordinal)
    {
        ["IN_WORK"] = "В работе",
        ["SUCCESS"] = "Успешный",
        ["WRONG_NUMBER"] = "Неверный номер",
        ["STOP_CALLING"] = "Не звонить",
        ["NO_ANSWER"] = "Нет ответа",
    };

    /// <summary>A status's name in the portal's language (English for any language but Russian).</summary>
    public static string StatusName(string statusId, string englishName, string language) =>
        language == "ru" && RussianStatusNames.TryGetValue(statusId, out var russian) ? russian : englishName;

    public static void AddUsers(Portal portal)
    {
        portal.Users.Add(new PortalUser { Id = 1, Admin = true, ReadsAll = true, Name = "Alex", LastName = "Morgan", Email = "alex.morgan@example.test" });
        portal.Users.Add(new PortalUser { Id = 2, Admin = false, Name = "Maria", LastName = "Petrova", Email = "maria.petrova@example.test" });
        portal.Users.Add(new PortalUser { Id = 3, Admin = false, Name = "John", LastName = "Smith", Email = "john.smith@example.test" });
    }

    public static void Apply(Portal portal, string seed, DateTime now)
    {
        AddUsers(portal);
        if (seed == "empty")
        {
            return;
        }

        var random = new Random(StableHash(seed));
        // Segment fields draw from a generator of their own, so names, phones and ids stay as before.
        var segments = new Random(StableHash(seed + ":segments"));
        var userIds = portal.Users.Select(u => u.Id).ToArray();
        var commId = 1;

        for (var id = 1; id <= CompanyCount; id++)
        {
            var company = new CrmEntity
            {
                EntityTypeId = CrmEntity.CompanyType,
                Id = id,
                AssignedById = userIds[id % userIds.Length],
                DateCreate = now.AddDays(-random.Next(1, 700)),
            };
            company.Fields["TITLE"] = $"{Pick(random, CompanyWords)} {Pick(random, CompanySuffixes)} {id}";
            company.Fields["COMPANY_TYPE"] = Pick(random, CompanyTypes);
            if (random.Next(5) != 0)
            {
                company.Phones.Add(new(commId++, "WORK", Phone(random), "PHONE"));
            }

            portal.Companies[id] = company;
        }

        for (var id = 1; id <= ContactCount; id++)
        {
            var contact = new CrmEntity
            {
                EntityTypeId = CrmEntity.ContactType,
                Id = id,
                AssignedById = userIds[id % userIds.Length],
                DateCreate = now.AddDays(-random.Next(1, 700)),
            };
            var first = Pick(random, FirstNames);
            var last = Pick(random, LastNames);
            contact.Fields["NAME"] = first;
            contact.Fields["SECOND_NAME"] = "";
            contact.Fields["LAST_NAME"] = last;
            contact.Fields["POST"] = Pick(random, Posts);
            contact.Fields["COMPANY_ID"] = random.Next(3) == 0 ? null : random.Next(1, CompanyCount + 1).ToString(CultureInfo.InvariantCulture);
            contact.Fields["TYPE_ID"] = Pick(segments, ContactTypes);
            contact.Fields["SOURCE_ID"] = Pick(segments, Sources);
            if (random.Next(6) != 0)
            {
                contact.Phones.Add(new(commId++, random.Next(2) == 0 ? "WORK" : "MOBILE", Phone(random), "PHONE"));
            }

            if (random.Next(4) != 0)
            {
                contact.Emails.Add(new(commId++, "WORK", $"{first}.{last}{id}@example.test".ToLowerInvariant(), "EMAIL"));
            }

            portal.Contacts[id] = contact;
        }

        portal.WebForms.Add(new WebForm { Id = 1, Name = "Contact form", Active = true, IsCallback = false });
        portal.WebForms.Add(new WebForm { Id = 2, Name = "Callback request", Active = true, IsCallback = true });
        portal.WebForms.Add(new WebForm { Id = 3, Name = "Call script: product demo", Active = true, IsCallback = false });
        portal.WebForms.Add(new WebForm { Id = 4, Name = "Old survey", Active = false, IsCallback = false });

        AddCallList(portal, CrmEntity.ContactType, createdBy: 1, webFormId: 3, Enumerable.Range(1, 24), now.AddDays(-10));
        AddCallList(portal, CrmEntity.CompanyType, createdBy: 1, webFormId: null, Enumerable.Range(1, 8), now.AddDays(-5));
        AddCallList(portal, CrmEntity.ContactType, createdBy: 2, webFormId: 1, Enumerable.Range(100, 75), now.AddDays(-1));
    }

    public static CallList AddCallList(Portal portal, int entityTypeId, int createdBy, int? webFormId, IEnumerable<int> entityIds, DateTime created)
    {
        var list = new CallList
        {
            Id = portal.NextCallListId++,
            EntityTypeId = entityTypeId,
            CreatedById = createdBy,
            WebFormId = webFormId,
            DateCreate = created,
        };
        list.Items.AddRange(entityIds.Select(id => new CallListItem { EntityId = id }));
        portal.CallLists[list.Id] = list;

        var activity = new Activity
        {
            Id = portal.NextActivityId++,
            ProviderId = "CALL_LIST",
            AssociatedEntityId = list.Id,
            Subject = $"Call list {list.Id}",
            ResponsibleId = createdBy,
        };
        portal.Activities[activity.Id] = activity;
        return list;
    }

    static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    static string Phone(Random random) =>
        string.Create(CultureInfo.InvariantCulture, $"+7 9{random.Next(10, 99)} {random.Next(100, 999)}-{random.Next(10, 99)}-{random.Next(10, 99)}");

    static int StableHash(string s)
    {
        unchecked
        {
            var hash = 17;
            foreach (var c in s)
            {
                hash = (hash * 31) + c;
            }

            return hash;
        }
    }
}
