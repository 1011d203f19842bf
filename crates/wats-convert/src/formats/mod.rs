//! The built-in converters, one module per format.

use std::sync::Arc;

use crate::Converter;

pub mod atml;
pub mod keysight_i3070;
pub mod klippel;
pub mod listen;
pub mod saki;
pub mod sigmaquest;
pub mod spea3030;
pub mod takaya;
pub mod takaya_apt94xx;
pub mod teradyne_gr228x;
pub mod teradyne_spectrum;
pub mod teststand;
pub mod wats;
pub mod wstf;
pub mod xjtag;

/// Every built-in converter, in the order ties in detection are broken.
pub fn builtin() -> Vec<Arc<dyn Converter>> {
    vec![
        Arc::new(wats::Wsjf),
        Arc::new(wats::Wsxf),
        Arc::new(crate::mapping::CsvMapping),
        Arc::new(crate::mapping::JsonMapping),
        Arc::new(wstf::Wstf),
        Arc::new(atml::Atml),
        Arc::new(teststand::TestStandXml),
        Arc::new(teradyne_gr228x::TeradyneGr228x),
        Arc::new(teradyne_spectrum::TeradyneSpectrum),
        Arc::new(spea3030::Spea3030),
        Arc::new(takaya::TakayaAtd),
        Arc::new(takaya_apt94xx::TakayaApt94xx),
        Arc::new(xjtag::Xjtag),
        Arc::new(klippel::Klippel),
        Arc::new(listen::ListenSoundCheck),
        Arc::new(saki::SakiAoi),
        Arc::new(sigmaquest::SigmaQuest),
        Arc::new(keysight_i3070::KeysightI3070),
    ]
}
