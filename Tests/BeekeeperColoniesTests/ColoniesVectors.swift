import Testing

/// COLONYOS.md section 3: known answers on which Go, pycolonies and libsecp256k1 agree.
struct ColoniesVector: Sendable, CustomTestStringConvertible {
    let privateKey: String
    let message: String
    let id: String
    let signature: String
    var testDescription: String { "id \(id.prefix(8))…" }

    static let all = [
        ColoniesVector(
            privateKey: "0000000000000000000000000000000000000000000000000000000000000001",
            message: "",
            id: "2036f5bc759cfb3589fb4e2342bc9b3c843c5ef27dc8ded538de328a7567089b",
            signature: "ab1a548e7964281d13c2e4c3d260fdf29acd9d6e8d21edc63522c972ab3d2aba0e94f1d6c7a3282498a7f15eaabda6ed2c60adf28208d7f3ffcaef36a23d1eb200"),
        ColoniesVector(
            privateKey: "48289efe232b9b063f5d4bb079ff17843f546ad30d9357dc4921ea27b03d681a",
            message: "hello colonies",
            id: "44939d43de67a81602d6203106b842b5e221797a1a2b60f3f9ab83e2d555ba15",
            signature: "74b83c77618ecab639d6fd6532ff79499728db1027337be7fd1cccf8460fad336273b67e5a8a7906e6dee269e92eb70b7604855dc3842cc880017687feb0f88700"),
        assign,
    ]

    /// A real assign payload: base64 of {"msgtype": "assignprocessmsg", "timeout": 10, "colonyname": "dev"}.
    static let assign = ColoniesVector(
        privateKey: "8332ac4fbf4574337d879fc106b0c99b1c16ad51573339257239a98dc568d679",
        message: "eyJtc2d0eXBlIjogImFzc2lnbnByb2Nlc3Ntc2ciLCAidGltZW91dCI6IDEwLCAiY29sb255bmFtZSI6ICJkZXYifQ==",
        id: "8e9e6a18cc378950f0008c76e633fd6bfd4318ddeffe6807726f67ca43b9d156",
        signature: "883e4604ec74124fb53635785e9db26aadcaefa5273f8a3347f6897c3458088430b49299cb759340ba88d0f72d306b080c35d6ca4734350cbbf4cccfeea1fbd901")
}
