//! The `string_enum!` macro: one definition for every code Antom may extend.

/// Defines a forward-compatible string enum.
///
/// Each listed variant maps to one wire value; anything else parses into
/// `Other(String)` and serializes back unchanged, so a value Antom adds
/// tomorrow never fails a parse and never gets rewritten. The generated type
/// gets `as_str()`, `is_known()`, `from_wire()`, `KNOWN`, `Display`, an
/// infallible `FromStr`, `From<&str>`, `From<String>`, `PartialEq<str>` and
/// serde support as a plain JSON string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        ///
        /// Unknown values parse into `Other` and serialize back verbatim. Build
        /// values with [`from_wire`](Self::from_wire), `parse()` or `From`, which
        /// map known strings to their variant: `Other("SUCCESS")` built by hand
        /// would not compare equal to the known variant.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("\n\nWire value: `", $wire, "`.")]
                $variant,
            )+
            /// A value this version of the crate does not know, kept verbatim.
            Other(::std::string::String),
        }

        impl $name {
            /// Every value this version of the crate knows, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value exactly as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(other) => other.as_str(),
                }
            }

            /// Whether this is one of the values listed in the crate (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }

            /// Maps a wire value to its variant, or to `Other` when unknown.
            /// Matching is exact (case-sensitive), as on the wire.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;

            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok(Self::from_wire(value))
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from_wire(value)
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $($wire => $name::$variant,)+
                    _ => $name::Other(value),
                }
            }
        }

        impl ::core::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl ::core::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                struct Visitor;

                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }

                    fn visit_str<E: ::serde::de::Error>(
                        self,
                        value: &str,
                    ) -> ::core::result::Result<$name, E> {
                        Ok($name::from_wire(value))
                    }

                    fn visit_string<E: ::serde::de::Error>(
                        self,
                        value: ::std::string::String,
                    ) -> ::core::result::Result<$name, E> {
                        Ok($name::from(value))
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }
    };
}
