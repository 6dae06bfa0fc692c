internal import CSecp256k1

/// ECDSA over secp256k1 with public-key recovery (libsecp256k1), as ColonyOS signs its RPCs.
public enum Secp256k1 {
    /// The one context every call uses. libsecp256k1 documents a context as safe to share between
    /// threads for every call that takes it `const`, which is all of them except randomisation,
    /// done here once before anyone else can see it.
    static let context = Secp256k1Context()
}
