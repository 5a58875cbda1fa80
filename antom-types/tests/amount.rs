//! Money: currency codes, minor units, wire format, errors and display.

use antom_types::amount::{parse_minor_units, ANTOM_CURRENCY_RULES_JSON};
use antom_types::{Amount, AmountError, Currency, NotifyPayment, MAX_MINOR_UNITS};
use serde_json::{json, Value};

fn sgd() -> Currency {
    Currency::new("SGD").unwrap()
}

/// Deserializes `{"currency": currency, "value": value}` and returns the error text.
fn wire_error(value: Value) -> String {
    let amount = json!({ "currency": "SGD", "value": value });
    serde_json::from_value::<Amount>(amount)
        .expect_err("must be rejected")
        .to_string()
}

#[test]
fn wire_format_is_currency_and_string_value() {
    let amount = Amount::from_minor_units(4200, "SGD").unwrap();
    assert_eq!(
        serde_json::to_string(&amount).unwrap(),
        r#"{"currency":"SGD","value":"4200"}"#
    );
    let back: Amount = serde_json::from_str(r#"{"value":"4200","currency":"SGD"}"#).unwrap();
    assert_eq!(back, amount);
    assert_eq!(back.value(), 4200);
    assert_eq!(back.currency(), Currency::SGD);
}

#[test]
fn value_may_arrive_as_json_integer() {
    let amount: Amount = serde_json::from_str(r#"{"currency":"SGD","value":4200}"#).unwrap();
    assert_eq!(amount.value(), 4200);
    // ... and goes back out as the documented string.
    assert_eq!(serde_json::to_value(amount).unwrap()["value"], json!("4200"));
}

#[test]
fn zero_and_sixteen_digits_are_accepted() {
    assert_eq!(parse_minor_units("0"), Ok(0));
    assert_eq!(parse_minor_units("9999999999999999"), Ok(MAX_MINOR_UNITS));
    assert_eq!(Amount::new(sgd(), MAX_MINOR_UNITS).unwrap().value(), MAX_MINOR_UNITS);
}

#[test]
fn each_bad_value_gets_its_own_error() {
    let owned = |s: &str| s.to_owned();
    let cases: Vec<(&str, AmountError)> = vec![
        ("", AmountError::EmptyValue),
        ("-1", AmountError::Negative { value: owned("-1") }),
        ("-4200", AmountError::Negative { value: owned("-4200") }),
        ("1.5", AmountError::Fractional { value: owned("1.5") }),
        ("42.00", AmountError::Fractional { value: owned("42.00") }),
        ("1e3", AmountError::NotDigits { value: owned("1e3") }),
        (" 12", AmountError::NotDigits { value: owned(" 12") }),
        ("12 ", AmountError::NotDigits { value: owned("12 ") }),
        ("+1", AmountError::NotDigits { value: owned("+1") }),
        ("1,000", AmountError::NotDigits { value: owned("1,000") }),
        ("abc", AmountError::NotDigits { value: owned("abc") }),
        ("١٢", AmountError::NotDigits { value: owned("١٢") }),
        ("0042", AmountError::LeadingZero { value: owned("0042") }),
        ("12345678901234567", AmountError::TooManyDigits { digits: 17 }),
        ("1234567890123456789", AmountError::TooManyDigits { digits: 19 }),
        (
            "99999999999999999999",
            AmountError::Overflow {
                value: owned("99999999999999999999"),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_minor_units(text), Err(expected.clone()), "{text:?}");
        assert_eq!(Amount::parse("SGD", text), Err(expected.clone()), "{text:?}");
        // Deserialization reports the same error in its message.
        assert!(
            wire_error(json!(text)).contains(&expected.to_string()),
            "{text:?}: {}",
            wire_error(json!(text))
        );
    }
}

#[test]
fn json_numbers_that_are_not_non_negative_integers_are_rejected() {
    let float = Amount::from_json_value(&json!({"currency": "SGD", "value": 42.5}));
    assert_eq!(float, Err(AmountError::FloatNumber { value: "42.5".into() }));
    let exponent = Amount::from_json_value(&json!({"currency": "SGD", "value": 1e3}));
    assert!(matches!(exponent, Err(AmountError::FloatNumber { .. })));
    let negative = Amount::from_json_value(&json!({"currency": "SGD", "value": -5}));
    assert_eq!(negative, Err(AmountError::Negative { value: "-5".into() }));
    let boolean = Amount::from_json_value(&json!({"currency": "SGD", "value": true}));
    assert!(matches!(boolean, Err(AmountError::WrongType { field: "value", .. })));
    let too_big = Amount::from_json_value(&json!({"currency": "SGD", "value": 10_000_000_000_000_000u64}));
    assert_eq!(too_big, Err(AmountError::TooManyDigits { digits: 17 }));

    // An integer literal beyond u64 is an overflow, not a "float".
    let huge: Value = serde_json::from_str("99999999999999999999").unwrap();
    assert!(matches!(
        Amount::from_json_value(&json!({"currency": "SGD", "value": huge})),
        Err(AmountError::Overflow { .. })
    ));
    let err = serde_json::from_str::<Amount>(r#"{"currency":"SGD","value":99999999999999999999}"#).unwrap_err();
    assert!(err.to_string().contains("overflows"), "{err}");
    let err = serde_json::from_str::<Amount>(r#"{"currency":"SGD","value":-1.5}"#).unwrap_err();
    assert!(err.to_string().contains("negative"), "{err}");

    assert!(wire_error(json!(42.5)).contains("floating-point"));
    assert!(wire_error(json!(1.0)).contains("floating-point"));
    assert!(wire_error(json!(-5)).contains("negative"));
    assert!(wire_error(json!(null)).contains("found null"));
}

#[test]
fn missing_fields_are_reported() {
    assert_eq!(
        Amount::from_json_value(&json!({"value": "1"})),
        Err(AmountError::MissingField { field: "currency" })
    );
    assert_eq!(
        Amount::from_json_value(&json!({"currency": "SGD"})),
        Err(AmountError::MissingField { field: "value" })
    );
    let err = serde_json::from_str::<Amount>(r#"{"currency":"SGD"}"#).unwrap_err();
    assert!(err.to_string().contains("missing its \"value\""), "{err}");
}

#[test]
fn currency_codes_must_be_three_uppercase_letters() {
    assert_eq!(Currency::new("SGD").unwrap().as_str(), "SGD");
    assert_eq!(
        Currency::new("sgd"),
        Err(AmountError::CurrencyNotUppercase { code: "sgd".into() })
    );
    assert_eq!(
        Currency::new("Sgd"),
        Err(AmountError::CurrencyNotUppercase { code: "Sgd".into() })
    );
    assert_eq!(
        Currency::new("S1D"),
        Err(AmountError::CurrencyNotUppercase { code: "S1D".into() })
    );
    assert_eq!(
        Currency::new("SG"),
        Err(AmountError::CurrencyLength {
            code: "SG".into(),
            len: 2
        })
    );
    assert_eq!(
        Currency::new("SGDX"),
        Err(AmountError::CurrencyLength {
            code: "SGDX".into(),
            len: 4
        })
    );
    assert!(matches!(
        Currency::new("É€"),
        Err(AmountError::CurrencyLength { len: 2, .. })
    ));
    // On the wire too.
    let err = serde_json::from_str::<Amount>(r#"{"currency":"sgd","value":"1"}"#).unwrap_err();
    assert!(err.to_string().contains("uppercase"), "{err}");
    let err = serde_json::from_str::<Amount>(r#"{"currency":"SG","value":"1"}"#).unwrap_err();
    assert!(err.to_string().contains("exactly 3"), "{err}");
    let err = serde_json::from_str::<Currency>(r#""usd""#).unwrap_err();
    assert!(err.to_string().contains("uppercase"), "{err}");
}

#[test]
fn minor_units_follow_iso_4217() {
    for (code, exponent) in [
        ("USD", 2),
        ("SGD", 2),
        ("EUR", 2),
        ("IDR", 2),
        ("KRW", 0),
        ("JPY", 0),
        ("VND", 0),
        ("CLP", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
    ] {
        let currency = Currency::new(code).unwrap();
        assert_eq!(currency.minor_unit(), Some(exponent), "{code}");
        assert!(currency.is_known(), "{code}");
    }
    let unknown = Currency::new("XYZ").unwrap();
    assert!(!unknown.is_known());
    assert_eq!(unknown.minor_unit(), None);
}

#[test]
fn table_agrees_with_antoms_rules_file() {
    let rules: Value = serde_json::from_str(ANTOM_CURRENCY_RULES_JSON).unwrap();
    let currencies = rules["currencies"].as_object().unwrap();
    assert!(currencies.len() >= 20);
    for (code, info) in currencies {
        let currency = Currency::new(code).unwrap();
        let expected = info["minorUnit"].as_u64().unwrap();
        assert_eq!(currency.minor_unit().map(u64::from), Some(expected), "{code}");
        assert!(currency.is_antom_listed(), "{code}");
    }
    for (code, constraint) in rules["antomConstraints"].as_object().unwrap() {
        let multiple: u64 = constraint["minorValueMultiple"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            Currency::new(code).unwrap().antom_minor_value_multiple(),
            Some(multiple)
        );
    }
    // A currency only in ISO's list is known but not Antom-listed.
    let chf = Currency::new("CHF").unwrap();
    assert!(chf.is_known() && !chf.is_antom_listed());
    assert_eq!(Currency::USD.antom_minor_value_multiple(), None);
}

#[test]
fn display_uses_the_exponent() {
    let show = |value: u64, code: &str| Amount::from_minor_units(value, code).unwrap().to_string();
    assert_eq!(show(4200, "SGD"), "42.00 SGD");
    assert_eq!(show(5, "USD"), "0.05 USD");
    assert_eq!(show(0, "USD"), "0.00 USD");
    assert_eq!(show(4200, "KRW"), "4200 KRW");
    assert_eq!(show(1000, "JPY"), "1000 JPY");
    assert_eq!(show(1234, "BHD"), "1.234 BHD");
    assert_eq!(show(7, "KWD"), "0.007 KWD");
    assert_eq!(show(MAX_MINOR_UNITS, "USD"), "99999999999999.99 USD");
    assert_eq!(show(4200, "XYZ"), "4200 XYZ (minor units)");
}

#[test]
fn new_rejects_more_than_sixteen_digits() {
    assert_eq!(
        Amount::new(sgd(), MAX_MINOR_UNITS + 1),
        Err(AmountError::TooManyDigits { digits: 17 })
    );
    assert_eq!(
        Amount::new(sgd(), u64::MAX),
        Err(AmountError::TooManyDigits { digits: 20 })
    );
}

#[test]
fn antom_rules_are_a_separate_check() {
    let idr = |value| Amount::from_minor_units(value, "IDR").unwrap();
    assert_eq!(idr(1_000_000).validate_for_antom(), Ok(()));
    assert_eq!(
        idr(1_000_050).validate_for_antom(),
        Err(AmountError::NotMultiple {
            currency: Currency::IDR,
            value: 1_000_050,
            multiple: 100
        })
    );
    assert_eq!(
        Amount::from_minor_units(0, "USD").unwrap().validate_for_antom(),
        Err(AmountError::NotPositive)
    );
    assert_eq!(
        Amount::from_minor_units(100, "CHF").unwrap().validate_for_antom(),
        Err(AmountError::NotSupportedByAntom {
            currency: Currency::new("CHF").unwrap()
        })
    );
    assert_eq!(Amount::from_minor_units(1, "KRW").unwrap().validate_for_antom(), Ok(()));
}

#[test]
fn decimal_strings_convert_with_integer_arithmetic() {
    let usd = Currency::USD;
    assert_eq!(Amount::from_decimal_str(usd, "42").unwrap().value(), 4200);
    assert_eq!(Amount::from_decimal_str(usd, "42.5").unwrap().value(), 4250);
    assert_eq!(Amount::from_decimal_str(usd, "42.05").unwrap().value(), 4205);
    assert_eq!(Amount::from_decimal_str(usd, "0.10").unwrap().value(), 10);
    // 0.1 + 0.2 style float traps cannot happen: 0.29 is exactly 29 cents.
    assert_eq!(Amount::from_decimal_str(usd, "0.29").unwrap().value(), 29);
    assert_eq!(Amount::from_decimal_str(Currency::KRW, "15000").unwrap().value(), 15000);
    assert_eq!(Amount::from_decimal_str(Currency::BHD, "1.5").unwrap().value(), 1500);
    assert_eq!(
        Amount::from_decimal_str(usd, "1.005"),
        Err(AmountError::TooManyDecimals {
            text: "1.005".into(),
            currency: usd,
            found: 3,
            allowed: 2
        })
    );
    assert!(matches!(
        Amount::from_decimal_str(Currency::JPY, "1.0"),
        Err(AmountError::TooManyDecimals { allowed: 0, .. })
    ));
    assert!(matches!(
        Amount::from_decimal_str(usd, "-1"),
        Err(AmountError::Negative { .. })
    ));
    for bad in ["1.", ".5", "1.2.3", "1e3", " 1", "+1"] {
        assert!(
            matches!(Amount::from_decimal_str(usd, bad), Err(AmountError::NotDigits { .. })),
            "{bad:?}"
        );
    }
    assert_eq!(Amount::from_decimal_str(usd, ""), Err(AmountError::EmptyValue));
    assert!(matches!(
        Amount::from_decimal_str(usd, "100000000000000.00"),
        Err(AmountError::TooManyDigits { .. })
    ));
    assert_eq!(
        Amount::from_decimal_str(Currency::new("XYZ").unwrap(), "1"),
        Err(AmountError::UnknownMinorUnit {
            currency: Currency::new("XYZ").unwrap()
        })
    );
}

#[test]
fn checked_arithmetic_stays_in_one_currency() {
    let usd = |v| Amount::from_minor_units(v, "USD").unwrap();
    assert_eq!(usd(100).checked_add(usd(50)), Some(usd(150)));
    assert_eq!(usd(100).checked_sub(usd(50)), Some(usd(50)));
    assert_eq!(usd(50).checked_sub(usd(100)), None);
    assert_eq!(usd(1).checked_add(Amount::from_minor_units(1, "SGD").unwrap()), None);
    assert_eq!(usd(MAX_MINOR_UNITS).checked_add(usd(1)), None);
}

#[test]
fn amount_is_copy_and_hashable() {
    fn assert_traits<T: Copy + Eq + std::hash::Hash + Send + Sync>() {}
    assert_traits::<Amount>();
    assert_traits::<Currency>();
    assert_eq!(std::mem::size_of::<Currency>(), 3);
}

#[test]
fn a_malformed_amount_fails_the_whole_notification() {
    let body = json!({
        "notifyType": "PAYMENT_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
        "paymentRequestId": "r", "paymentId": "p",
        "paymentAmount": {"currency": "SGD", "value": "42.00"}
    });
    let err = serde_json::from_value::<NotifyPayment>(body).unwrap_err();
    assert!(err.to_string().contains("fractional part"), "{err}");
}
