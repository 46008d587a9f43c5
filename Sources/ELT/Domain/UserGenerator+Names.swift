extension UserGenerator {
    /// First names the generator draws from.
    static let firstNames = [
        "Ada", "Alan", "Alice", "Amara", "Andrea", "Anika", "Ben", "Carlos", "Chen", "Chloe",
        "Daniel", "Diego", "Elena", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines",
        "Isaac", "Jamal", "Jana", "Jonas", "Julia", "Kenji", "Laila", "Liam", "Lucia", "Marco",
        "Maria", "Mateo", "Mei", "Nadia", "Noah", "Olivia", "Omar", "Priya", "Rafael", "Rosa",
        "Sara", "Sofia", "Tariq", "Theo", "Yara", "Yusuf", "Zoe", "Anna-Lena",
    ]

    /// Last names the generator draws from.
    static let lastNames = [
        "Abebe", "Andersen", "Bauer", "Becker", "Brown", "Castro", "Chen", "Costa", "Dubois", "Eriksen",
        "Fischer", "Garcia", "Gonzalez", "Haddad", "Hansen", "Hoffmann", "Ivanova", "Jensen", "Kim", "Kowalski",
        "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "O'Brien",
        "Okafor", "Patel", "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki",
        "Tanaka", "Taylor", "Van der Berg", "Wagner", "Wang", "Weber", "Williams", "Yilmaz", "Zhang",
    ]
}
