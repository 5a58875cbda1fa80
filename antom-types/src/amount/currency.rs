//! [`Currency`], and the table of minor units and Antom's rules it reads.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::AmountError;

/// An ISO 4217 style currency code: exactly three uppercase ASCII letters.
///
/// `Copy`, three bytes. Codes missing from the crate's table are accepted
/// (see the [module documentation](super)).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// United States dollar (2 decimals).
    pub const USD: Currency = Currency(*b"USD");
    /// Euro (2 decimals).
    pub const EUR: Currency = Currency(*b"EUR");
    /// Pound sterling (2 decimals).
    pub const GBP: Currency = Currency(*b"GBP");
    /// Singapore dollar (2 decimals).
    pub const SGD: Currency = Currency(*b"SGD");
    /// Malaysian ringgit (2 decimals).
    pub const MYR: Currency = Currency(*b"MYR");
    /// Chinese yuan (2 decimals).
    pub const CNY: Currency = Currency(*b"CNY");
    /// Hong Kong dollar (2 decimals).
    pub const HKD: Currency = Currency(*b"HKD");
    /// Indonesian rupiah (2 decimals; Antom wants multiples of 100 minor units).
    pub const IDR: Currency = Currency(*b"IDR");
    /// Philippine peso (2 decimals).
    pub const PHP: Currency = Currency(*b"PHP");
    /// Thai baht (2 decimals).
    pub const THB: Currency = Currency(*b"THB");
    /// Japanese yen (0 decimals).
    pub const JPY: Currency = Currency(*b"JPY");
    /// South Korean won (0 decimals).
    pub const KRW: Currency = Currency(*b"KRW");
    /// Vietnamese dong (0 decimals).
    pub const VND: Currency = Currency(*b"VND");
    /// Bahraini dinar (3 decimals).
    pub const BHD: Currency = Currency(*b"BHD");

    /// Checks and wraps a currency code. Rejects anything but three
    /// uppercase ASCII letters (`"sgd"`, `"SG"`, `"SGD "` are errors).
    pub fn new(code: &str) -> Result<Currency, AmountError> {
        let Ok(bytes) = <[u8; 3]>::try_from(code.as_bytes()) else {
            return Err(AmountError::CurrencyLength {
                code: code.to_owned(),
                len: code.chars().count(),
            });
        };
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(AmountError::CurrencyNotUppercase { code: code.to_owned() });
        }
        Ok(Currency(bytes))
    }

    /// The code, e.g. `"SGD"`.
    pub fn as_str(&self) -> &str {
        // Always valid: `new` admits only ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The number of decimal places (ISO 4217 minor unit exponent): 2 for
    /// USD, 0 for KRW and JPY, 3 for BHD. `None` when the code is not in the
    /// crate's table.
    pub fn minor_unit(&self) -> Option<u8> {
        self.info().map(|info| info.1)
    }

    /// Whether the code is in the crate's table (ISO 4217 plus Antom's list).
    pub fn is_known(&self) -> bool {
        self.info().is_some()
    }

    /// Whether Antom's currency table lists this currency.
    pub fn is_antom_listed(&self) -> bool {
        self.info().is_some_and(|info| info.2)
    }

    /// The multiple of minor units Antom requires for this currency, if any
    /// (`Some(100)` for IDR).
    pub fn antom_minor_value_multiple(&self) -> Option<u64> {
        self.info().map(|info| info.3).filter(|&multiple| multiple > 1)
    }

    fn info(&self) -> Option<&'static CurrencyInfo> {
        CURRENCY_TABLE
            .binary_search_by(|entry| entry.0.as_bytes().cmp(&self.0[..]))
            .ok()
            .and_then(|index| CURRENCY_TABLE.get(index))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({:?})", self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = AmountError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::new(code)
    }
}

impl TryFrom<&str> for Currency {
    type Error = AmountError;

    fn try_from(code: &str) -> Result<Self, Self::Error> {
        Currency::new(code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::new(&code).map_err(de::Error::custom)
    }
}

/// (code, decimal places, listed by Antom, Antom's required multiple of minor units).
type CurrencyInfo = (&'static str, u8, bool, u64);

/// Sorted by code for binary search. ISO 4217 List One minor units; the
/// `true` rows and the IDR multiple come from Antom's table.
static CURRENCY_TABLE: &[CurrencyInfo] = &[
    ("AED", 2, false, 1),
    ("AFN", 2, false, 1),
    ("ALL", 2, false, 1),
    ("AMD", 2, false, 1),
    ("AOA", 2, false, 1),
    ("ARS", 2, false, 1),
    ("AUD", 2, true, 1),
    ("AWG", 2, false, 1),
    ("AZN", 2, false, 1),
    ("BAM", 2, false, 1),
    ("BBD", 2, false, 1),
    ("BDT", 2, true, 1),
    ("BGN", 2, false, 1),
    ("BHD", 3, false, 1),
    ("BIF", 0, false, 1),
    ("BMD", 2, false, 1),
    ("BND", 2, false, 1),
    ("BOB", 2, false, 1),
    ("BOV", 2, false, 1),
    ("BRL", 2, true, 1),
    ("BSD", 2, false, 1),
    ("BTN", 2, false, 1),
    ("BWP", 2, false, 1),
    ("BYN", 2, false, 1),
    ("BZD", 2, false, 1),
    ("CAD", 2, true, 1),
    ("CDF", 2, false, 1),
    ("CHE", 2, false, 1),
    ("CHF", 2, false, 1),
    ("CHW", 2, false, 1),
    ("CLF", 4, false, 1),
    ("CLP", 0, true, 1),
    ("CNY", 2, true, 1),
    ("COP", 2, false, 1),
    ("COU", 2, false, 1),
    ("CRC", 2, false, 1),
    ("CUP", 2, false, 1),
    ("CVE", 2, false, 1),
    ("CZK", 2, false, 1),
    ("DJF", 0, false, 1),
    ("DKK", 2, false, 1),
    ("DOP", 2, false, 1),
    ("DZD", 2, false, 1),
    ("EGP", 2, false, 1),
    ("ERN", 2, false, 1),
    ("ETB", 2, false, 1),
    ("EUR", 2, true, 1),
    ("FJD", 2, false, 1),
    ("FKP", 2, false, 1),
    ("GBP", 2, true, 1),
    ("GEL", 2, false, 1),
    ("GHS", 2, false, 1),
    ("GIP", 2, false, 1),
    ("GMD", 2, false, 1),
    ("GNF", 0, false, 1),
    ("GTQ", 2, false, 1),
    ("GYD", 2, false, 1),
    ("HKD", 2, true, 1),
    ("HNL", 2, false, 1),
    ("HTG", 2, false, 1),
    ("HUF", 2, false, 1),
    ("IDR", 2, true, 100),
    ("ILS", 2, false, 1),
    ("INR", 2, false, 1),
    ("IQD", 3, false, 1),
    ("IRR", 2, false, 1),
    ("ISK", 0, false, 1),
    ("JMD", 2, false, 1),
    ("JOD", 3, false, 1),
    ("JPY", 0, true, 1),
    ("KES", 2, false, 1),
    ("KGS", 2, false, 1),
    ("KHR", 2, false, 1),
    ("KMF", 0, false, 1),
    ("KPW", 2, false, 1),
    ("KRW", 0, true, 1),
    ("KWD", 3, false, 1),
    ("KYD", 2, false, 1),
    ("KZT", 2, false, 1),
    ("LAK", 2, false, 1),
    ("LBP", 2, false, 1),
    ("LKR", 2, false, 1),
    ("LRD", 2, false, 1),
    ("LSL", 2, false, 1),
    ("LYD", 3, false, 1),
    ("MAD", 2, false, 1),
    ("MDL", 2, false, 1),
    ("MGA", 2, false, 1),
    ("MKD", 2, false, 1),
    ("MMK", 2, false, 1),
    ("MNT", 2, false, 1),
    ("MOP", 2, false, 1),
    ("MRU", 2, false, 1),
    ("MUR", 2, false, 1),
    ("MVR", 2, false, 1),
    ("MWK", 2, false, 1),
    ("MXN", 2, true, 1),
    ("MXV", 2, false, 1),
    ("MYR", 2, true, 1),
    ("MZN", 2, false, 1),
    ("NAD", 2, false, 1),
    ("NGN", 2, false, 1),
    ("NIO", 2, false, 1),
    ("NOK", 2, false, 1),
    ("NPR", 2, false, 1),
    ("NZD", 2, true, 1),
    ("OMR", 3, false, 1),
    ("PAB", 2, false, 1),
    ("PEN", 2, true, 1),
    ("PGK", 2, false, 1),
    ("PHP", 2, true, 1),
    ("PKR", 2, true, 1),
    ("PLN", 2, true, 1),
    ("PYG", 0, false, 1),
    ("QAR", 2, false, 1),
    ("RON", 2, false, 1),
    ("RSD", 2, false, 1),
    ("RUB", 2, false, 1),
    ("RWF", 0, false, 1),
    ("SAR", 2, false, 1),
    ("SBD", 2, false, 1),
    ("SCR", 2, false, 1),
    ("SDG", 2, false, 1),
    ("SEK", 2, false, 1),
    ("SGD", 2, true, 1),
    ("SHP", 2, false, 1),
    ("SLE", 2, false, 1),
    ("SOS", 2, false, 1),
    ("SRD", 2, false, 1),
    ("SSP", 2, false, 1),
    ("STN", 2, false, 1),
    ("SVC", 2, false, 1),
    ("SYP", 2, false, 1),
    ("SZL", 2, false, 1),
    ("THB", 2, true, 1),
    ("TJS", 2, false, 1),
    ("TMT", 2, false, 1),
    ("TND", 3, false, 1),
    ("TOP", 2, false, 1),
    ("TRY", 2, false, 1),
    ("TTD", 2, false, 1),
    ("TWD", 2, true, 1),
    ("TZS", 2, false, 1),
    ("UAH", 2, false, 1),
    ("UGX", 0, false, 1),
    ("USD", 2, true, 1),
    ("USN", 2, false, 1),
    ("UYI", 0, false, 1),
    ("UYU", 2, false, 1),
    ("UYW", 4, false, 1),
    ("UZS", 2, false, 1),
    ("VED", 2, false, 1),
    ("VES", 2, false, 1),
    ("VND", 0, true, 1),
    ("VUV", 0, false, 1),
    ("WST", 2, false, 1),
    ("XAF", 0, false, 1),
    ("XCD", 2, false, 1),
    ("XCG", 2, false, 1),
    ("XOF", 0, false, 1),
    ("XPF", 0, false, 1),
    ("YER", 2, false, 1),
    ("ZAR", 2, false, 1),
    ("ZMW", 2, false, 1),
    ("ZWG", 2, false, 1),
];
